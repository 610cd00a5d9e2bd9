"""One source for roles (issue 16 part 3): common/roles.py defines the roles, their labels
and the groups; grids' enum, the services' role lists, the gateway's route roles (enforced
there), the OpenAPI's `x-roles` and the console's lists are all the same values."""

import pathlib
import re

from common import roles
from services.grids.domain import ROLE_LABELS, Role

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_grids_enum_and_labels_are_the_common_roles():
    assert tuple(Role) == roles.ROLES
    assert {r.value: label for r, label in ROLE_LABELS.items()} == {r: roles.label(r) for r in roles.ROLES}


def test_every_route_names_a_group_of_known_roles():
    import gateway.service  # noqa: F401 - registers the routes
    from gateway.http import ROUTES

    groups = set(roles.GROUPS.values())
    with_roles = [r for r in ROUTES if r.roles]
    assert len(with_roles) > 60
    assert all(r.roles in groups for r in with_roles), [r.path for r in with_roles if r.roles not in groups]
    assert all(not r.roles for r in ROUTES if not r.auth)  # a public route has no role to check


def test_no_role_list_is_written_out_in_the_gateway_or_the_services():
    # a quoted role inside a list or tuple literal, beside another: a second copy of a group
    names = "|".join(roles.ROLES)
    literal = re.compile(rf"[\[(]\s*\"({names})\",\s*\"({names})\"")
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("gateway", "services")
        for path in (ROOT / folder).rglob("*.py")
        if literal.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "name a group of common/roles.py instead"


def test_the_openapi_shows_each_operations_roles():
    from gateway.http import ROUTES, openapi_path
    from gateway.openapi import build_spec

    spec = build_spec()
    for r in ROUTES:
        operation = spec["paths"][openapi_path(r.path)[0]][r.method.lower()]
        assert operation.get("x-roles", []) == list(r.roles), r.path


def test_the_console_lists_are_generated_from_the_groups():
    js = (ROOT / "console" / "src" / "roles.js").read_text(encoding="utf-8")
    for name, members in roles.GROUPS.items():
        assert f"  {name}: [{', '.join(repr(m) for m in members)}]," in js
    assert "export const SENDERS = GROUPS.TASK_SENDERS" in js
    # outside the generated region, no list is written out: each is one of the groups
    hand_written = js.split("// <!-- /generated:roles -->")[1]
    assert not re.search(r"\[\s*'[a-z_]+'", hand_written), "use GROUPS.<name> in console/src/roles.js"
