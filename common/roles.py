"""The roles and the groups of roles that rules are written against: the one list.

The services' checks (`Actor.require(*roles.TASK_SENDERS)`), the gateway's route roles (which
the gateway enforces before it calls a service, and the OpenAPI shows as `x-roles`) and the
console's role lists (`console/src/roles.generated.js`, written by `scripts/gen_docs.py`) all
take their groups from here. A route or a check that needs a new combination adds a named
group here, so that who may do what can be read in one file.
"""

from __future__ import annotations

# every role, in the order the org tree reads (county down to the household), with its label
LABELS: dict[str, tuple[str, str]] = {
    "county_admin": ("县级管理员", "county administrator"),
    "township_leader": ("镇街分管领导", "township leader"),
    "department_staff": ("部门工作人员", "department staff"),
    "village_secretary": ("村党组织书记", "village party secretary"),
    "village_cadre": ("村两委干部", "village cadre"),
    "grid_worker": ("网格员", "grid worker"),
    "member": ("联户党员", "linked party member"),  # 党员 too, in imports
    "team_cadre": ("组团干部", "team cadre"),
    "resident": ("居民", "resident"),
    "auditor": ("审计员", "auditor"),  # reads the audit trail, nothing else
}
ROLES: tuple[str, ...] = tuple(LABELS)


def label(role: str, lang: str = "zh") -> str:
    zh, en = LABELS[role]
    return en if lang == "en" else zh


# -- groups -------------------------------------------------------------------------------

COUNTY_ADMIN = ("county_admin",)
# the township's platform: reviews tasks, accepts work, posts projects, dispatches matters
TOWNSHIP = ("county_admin", "township_leader")
# who may send a task down
TASK_SENDERS = ("county_admin", "department_staff", "township_leader")
# the village's hands: claim, handle and submit assignments
TASK_WORKERS = ("village_secretary", "village_cadre", "grid_worker")
# everyone who reads tasks and assignments of their place
TASK_READERS = (
    "county_admin",
    "township_leader",
    "department_staff",
    "village_secretary",
    "village_cadre",
    "grid_worker",
    "team_cadre",
)
# who leads a place and reads its field work (lists, alerts, figures, hotspots)
PLACE_LEADERS = (
    "county_admin",
    "township_leader",
    "village_secretary",
    "village_cadre",
    "grid_worker",
    "team_cadre",
)
# who reads a place's ledgers and their hash chains, and its figures
CHAIN_READERS = ("county_admin", "township_leader", "village_secretary")
# who reads the task figures: by place, and department staff for their own tasks
TASK_FIGURE_READERS = ("county_admin", "township_leader", "department_staff", "village_secretary")
# who reads a place's task and field-work figures
FIGURE_READERS = ("county_admin", "township_leader", "village_secretary")
# who starts a village's procedure (五议两公开, joint meetings)
PROCEDURE_STARTERS = ("village_secretary", "village_cadre")
# who bids for a project on the board (揭榜)
BIDDERS = ("village_secretary",)
# who grants accounts (each within their own place)
ACCOUNT_ADMINS = ("county_admin", "township_leader", "village_secretary")
# who adds a household to a grid
HOUSEHOLD_KEEPERS = ("county_admin", "township_leader", "village_secretary", "grid_worker")
# the audit trail: township leaders read their own part only; exports are the county's
AUDIT_READERS = ("county_admin", "township_leader", "auditor")
AUDIT_EXPORTERS = ("county_admin", "auditor")
# the 四平台 that may send a matter to a department
MATTER_DISPATCHERS = ("township_leader", "county_admin", "team_cadre")
# the village's hands on the ladder's grid level (with the member who raised it)
VILLAGE_HANDS = TASK_WORKERS
# who take what they report themselves (微事快办) instead of handing it to the grid worker
SELF_HANDLERS = ("grid_worker", "member")
# who read the matters waiting at the department level of their place, not yet sent on
DEPARTMENT_DESKS = ("township_leader", "team_cadre")
# those who answer a matter at a level of the ladder (a member takes their own visits' needs)
MATTER_HANDLERS = ("grid_worker", "village_cadre", "village_secretary", "member")
# who reads the people's scores and boards
SCORE_READERS = (
    "county_admin",
    "township_leader",
    "village_secretary",
    "village_cadre",
    "grid_worker",
    "team_cadre",
    "department_staff",
)
# one role alone
MEMBER = ("member",)
RESIDENT = ("resident",)
DEPARTMENT_STAFF = ("department_staff",)
# who gives a village's assignment to one of its people
ASSIGNERS = ("village_secretary",)
# who may send a matter on to a department: the 四平台 and the township's 指挥室 staff
DISPATCH_DESKS = ("county_admin", "township_leader", "team_cadre", "department_staff")
# who reads how a place's procedures went (the team cadre for the villages of their team)
PROCEDURE_FIGURE_READERS = ("county_admin", "township_leader", "village_secretary", "team_cadre")
# everyone with a place in the org tree (not the resident, not the auditor)
STAFF = tuple(r for r in ROLES if r not in ("resident", "auditor"))

GROUPS: dict[str, tuple[str, ...]] = {
    name: value
    for name, value in globals().items()
    if name.isupper() and isinstance(value, tuple) and name != "ROLES"
}
