"""Escalation attempts: every role × every write route that names a place, person, team or
department × a target outside the caller's scope. The test (test_escalation_table.py) builds
the attempts per route; this module says who acts, where "outside" is, and which write routes
name nothing of the org (each with the reason), so that a new write route without an entry
in either place fails the coverage check.
"""

from __future__ import annotations

from tests.e2e.access_table import DEMO, ROLES

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# Who tries: the role's demo account (first township, first village, first grid). The demo
# department account serves a county department, whose scope is the whole county; a staff
# member of the first township's platform (四平台) is made for the table instead.
ACTORS = {role: DEMO[role] for role in ROLES if role != "department_staff"}

# Outside the caller: a sibling grid in the caller's village, a sibling village in the caller's
# township, and a village and grid of the second township. An attempt runs for each role whose
# scope does not cover the place it names (a county admin's covers every one).
AREAS = ("sibling grid", "sibling village", "other township")

# Write routes that name no org unit, team, department, household or person, and why.
NAMES_NOTHING = {
    "POST /api/v1/auth/login": "no caller yet",
    "POST /api/v1/auth/logout": "the caller's own token",
    "POST /api/v1/ratings": "no account: a one-time code names the visit",
    "POST /api/v1/mailbox/public": "no account",
    "POST /api/v1/mailbox/public/media": "no account",
    "POST /api/v1/mailbox": "the villager mailbox takes letters for any grid from anyone, as the public one",
    "POST /api/v1/attachments": "the caller's own upload, not yet tied to a place",
    "POST /api/v1/inbox/read": "the caller's own inbox; others' ids are ignored (access table)",
    "POST /api/v1/inbox/read-all": "the caller's own inbox",
    "POST /api/v1/visit-lists/generate": "county-wide job (county admin)",
    "POST /api/v1/visit-lists/sync": "county-wide job (county admin)",
    "POST /api/v1/matters/check-deadlines": "county-wide job (county admin)",
    "POST /api/v1/alerts/check": "county-wide job (county admin)",
    "POST /api/v1/hotspots/check": "county-wide job (county admin)",
    "POST /api/v1/tasks/check-deadlines": "county-wide job (county admin)",
    "POST /api/v1/scores/recompute": "county-wide job (county admin)",
    "PUT /api/v1/stats/fieldwork/settings": "county-wide settings (county admin)",
    "POST /api/v1/catalogue/import": "the county's matter catalogue (county admin)",
    "POST /api/v1/catalogue/seed-default": "the county's matter catalogue (county admin)",
    "POST /api/v1/catalogue/suggest": "reads the catalogue",
    "POST /api/v1/catalogue": "the county's matter catalogue (county admin)",
    "PUT /api/v1/catalogue/<string:code>": "the county's matter catalogue (county admin)",
    "POST /api/v1/catalogue/<string:code>/retire": "the county's matter catalogue (county admin)",
    "POST /api/v1/procedure-templates/seed-default": "county-wide templates (county admin)",
    "POST /api/v1/procedure-templates": "county-wide templates (county admin)",
    "PUT /api/v1/procedure-templates/<string:code>": "county-wide templates (county admin)",
    "POST /api/v1/auth/password": "the caller's own password",
    "POST /api/v1/open311/keys": "the caller's own Open311 key (residents)",
    "DELETE /api/v1/open311/keys/<int:key_id>": "the caller's own Open311 key; others' ids are not found",
    "POST /api/v1/screening/negative-rules": "the county's negative list (county admin)",
    "PUT /api/v1/screening/negative-rules/<string:rule_id>": "the county's negative list (county admin)",
    "DELETE /api/v1/screening/negative-rules/<string:rule_id>": "the county's negative list (county admin)",
}
