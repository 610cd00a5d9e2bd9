"""Contracts of the grids service: org units, people, households, links, imports."""

from __future__ import annotations

from datetime import UTC

from common import roles
from common.contracts import fields, validate
from common.contracts.base import Filled, PagedQuery, PageMeta, Query, Schema, Strict
from common.contracts.ids import Id

LEVELS = ["county", "township", "village", "grid"]
ROLES = list(roles.ROLES)
LINK_KINDS = ["member_household", "cadre_grid", "team_village"]
IMPORT_KINDS = ["tree", "people", "households", "links"]

PHONE = validate.Regexp(r"^1\d{10}$", error="手机号应为11位数字")
CODE = validate.Regexp(r"^[0-9A-Za-z_-]{1,32}$", error="编码只能包含字母、数字、下划线和连字符,最长32位")


class LoginRequest(Strict):
    username = fields.String(required=True, validate=Filled(max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=128), load_only=True)


class Actor(Schema):
    """The verified caller, as the gateway passes it to a service."""

    id = Id(required=True)
    name = fields.String(required=True)
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)), required=True)
    org_unit_id = Id(required=True)
    department_id = Id(allow_none=True)
    scope = fields.List(
        fields.String(), required=True, metadata={"description": "org paths the person may act in"}
    )


class LoginResponse(Schema):
    token = fields.String(required=True)
    token_type = fields.String(required=True)
    expires_in = fields.Integer(required=True)
    actor = fields.Nested(Actor, required=True)
    must_change_password = fields.Boolean(
        required=True, metadata={"description": "only the password change, /me and logout work until then"}
    )


class OrgUnit(Schema):
    id = Id(dump_only=True)
    parent_id = Id(allow_none=True)
    level = fields.String(validate=validate.OneOf(LEVELS), required=True)
    level_label = fields.String(dump_only=True)
    code = fields.String(required=True, validate=CODE)
    name = fields.String(required=True, validate=Filled(max=100))
    path = fields.String(dump_only=True)


class OrgUnitCreate(Strict):
    parent_id = Id(required=True, allow_none=True)
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    code = fields.String(required=True, validate=CODE)
    name = fields.String(required=True, validate=Filled(max=100))


class TreeNode(OrgUnit):
    children = fields.List(fields.Nested(lambda: TreeNode()), dump_only=True)


class TreeQuery(Query):
    root_id = Id(load_default=None, allow_none=True)
    depth = fields.Integer(load_default=4, validate=validate.Range(min=0, max=4))


class Person(Schema):
    id = Id(dump_only=True)
    code = fields.String(required=True, validate=CODE)
    name = fields.String(required=True, validate=Filled(max=50))
    phone = fields.String(allow_none=True, metadata={"description": "masked unless the caller may see it"})
    id_number = fields.String(
        allow_none=True, metadata={"description": "masked unless the caller may see it"}
    )
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)), required=True)
    role_labels = fields.List(fields.String(), dump_only=True)
    org_unit_id = Id(required=True)
    department_id = Id(allow_none=True)
    team_id = Id(allow_none=True)
    username = fields.String(allow_none=True)
    active = fields.Boolean(dump_only=True)
    account_disabled = fields.Boolean(dump_only=True)


class PersonPlacement(Schema):
    """A person's roles and place, for another service deciding what to hand them (grids
    `person_placement`; only a person the caller may read)."""

    id = Id(required=True)
    name = fields.String(required=True)
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)), required=True)
    org_unit_id = Id(required=True)
    org_path = fields.String(required=True, metadata={"description": "materialised path of their place"})
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    active = fields.Boolean(required=True)


class RequesterContact(Schema):
    """How to reach whoever raised a matter (grids `requester_contact`): the person, or the
    household a visit found it in, with the phone in full. A look-up between services: the
    caller (tasks) decides who may see it."""

    person_id = Id(allow_none=True)
    name = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    household_id = Id(allow_none=True)
    household_name = fields.String(allow_none=True, metadata={"description": "户主姓名 + 户"})
    address = fields.String(allow_none=True)
    place_name = fields.String(allow_none=True, metadata={"description": "乡镇 / 村 / 网格"})


class PersonCreate(Strict):
    code = fields.String(required=True, validate=CODE)
    name = fields.String(required=True, validate=Filled(max=50))
    phone = fields.String(load_default=None, allow_none=True, validate=PHONE)
    id_number = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(r"^\d{17}[\dXx]$", error="身份证号应为18位"),
    )
    roles = fields.List(
        fields.String(validate=validate.OneOf(ROLES)), required=True, validate=validate.Length(min=1)
    )
    org_unit_id = Id(required=True)
    department_id = Id(load_default=None, allow_none=True)
    team_id = Id(load_default=None, allow_none=True)


class PeopleQuery(PagedQuery):
    org_unit_id = Id(load_default=None, allow_none=True)
    role = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(ROLES))
    q = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=50))


class PersonPage(Schema):
    items = fields.List(fields.Nested(Person), required=True)
    meta = fields.Nested(PageMeta, required=True)


class Resident(Schema):
    id = Id(dump_only=True)
    name = fields.String(required=True)
    relation = fields.String()
    phone = fields.String(allow_none=True)
    id_number = fields.String(allow_none=True)


class Household(Schema):
    id = Id(dump_only=True)
    code = fields.String(required=True, validate=CODE)
    grid_id = Id(required=True)
    address = fields.String(required=True)
    head_name = fields.String(required=True)
    phone = fields.String(allow_none=True)
    residents = fields.List(fields.Nested(Resident), dump_only=True)


class HouseholdCreate(Strict):
    code = fields.String(required=True, validate=CODE)
    grid_id = Id(required=True)
    address = fields.String(required=True, validate=Filled(max=200))
    head_name = fields.String(required=True, validate=Filled(max=50))
    phone = fields.String(load_default=None, allow_none=True, validate=PHONE)


class HouseholdsQuery(PagedQuery):
    grid_id = Id(load_default=None, allow_none=True)
    org_unit_id = Id(load_default=None, allow_none=True)


class HouseholdPage(Schema):
    items = fields.List(fields.Nested(Household), required=True)
    meta = fields.Nested(PageMeta, required=True)


class Link(Schema):
    id = Id(dump_only=True)
    kind = fields.String(required=True, validate=validate.OneOf(LINK_KINDS))
    kind_label = fields.String(dump_only=True)
    source_id = Id(required=True, metadata={"description": "person id, or team id for team_village"})
    target_id = Id(required=True, metadata={"description": "household, grid or village id"})
    active = fields.Boolean(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    ended_at = fields.DateTime(dump_only=True, allow_none=True)


class LinkCreate(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(LINK_KINDS))
    source_id = Id(required=True)
    target_id = Id(required=True)


class LinksQuery(PagedQuery):
    kind = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(LINK_KINDS))
    source_id = Id(load_default=None, allow_none=True)
    target_id = Id(load_default=None, allow_none=True)
    per_page = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class LinkPage(Schema):
    items = fields.List(fields.Nested(Link), required=True)
    meta = fields.Nested(PageMeta, required=True)


class Department(Schema):
    id = Id(dump_only=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    org_unit_id = Id(required=True)


class ImportRequest(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(IMPORT_KINDS))


class ImportReport(Schema):
    kind = fields.String(required=True)
    rows = fields.Integer(required=True)
    created = fields.Integer(required=True)
    updated = fields.Integer(required=True)
    unchanged = fields.Integer(required=True)


class AuditQuery(PagedQuery):
    action = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    actor_id = fields.Integer(load_default=None, allow_none=True)
    outcome = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=16))
    target = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=80),
        metadata={"description": "prefix"},
    )
    since = fields.AwareDateTime(load_default=None, allow_none=True, default_timezone=UTC)
    until = fields.AwareDateTime(load_default=None, allow_none=True, default_timezone=UTC)


class AuditEntry(Schema):
    id = Id(required=True)
    actor_id = Id(required=True)
    action = fields.String(required=True)
    target = fields.String(required=True)
    org_path = fields.String(required=True)
    detail = fields.Dict(required=True)
    client = fields.String(allow_none=True, metadata={"description": "the caller's address"})
    outcome = fields.String(required=True, metadata={"description": "ok, failed, refused, locked, disabled"})
    at = fields.DateTime(required=True)


class AuditPage(Schema):
    items = fields.List(fields.Nested(AuditEntry), required=True)
    meta = fields.Nested(PageMeta, required=True)


class LogoutResponse(Schema):
    revoked = fields.String(required=True)


class AccountGrant(Strict):
    username = fields.String(
        required=True,
        validate=[
            validate.Length(min=3, max=64),
            validate.Regexp(r"^[A-Za-z0-9_.-]+$", error="账号只能包含字母、数字、下划线、点和连字符"),
        ],
    )
    password = fields.String(
        required=True,
        load_only=True,
        validate=validate.Length(min=8, max=128, error="密码长度应在 8 到 128 之间"),
    )
