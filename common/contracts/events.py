"""The event catalogue: every domain event type, its `data` schema, and who emits it.

One entry per event (`register(service, name, schema, summary)`). Emitters dump their
`data` with the schema; consumers (scoring, notify, outside systems) rely on these
fields; docs/asyncapi.yaml is generated from this catalogue. Add a field: fine. Rename
or remove one: a new version (`version=2`), never an edit.

Conventions for `data`: ids are integers; every event about a place carries the ids of
that place up the tree that exist (`grid_id`, `village_id`, `township_id`), and the
people involved by role (`member_id`, `actor_id`, `assignee_id` ...), so consumers
never need to call back to attribute it. Times are ISO 8601 strings; months `YYYY-MM`.
"""

from __future__ import annotations

from dataclasses import dataclass

from marshmallow import INCLUDE

from common.contracts import fields
from common.contracts.base import Schema
from common.contracts.ids import Id
from common.events import event_type


@dataclass(frozen=True)
class EventSpec:
    service: str
    name: str
    version: int
    schema: type[Schema]
    summary: str

    @property
    def type(self) -> str:
        return event_type(self.service, self.name, self.version)


CATALOGUE: dict[str, EventSpec] = {}


def register(service: str, name: str, schema: type[Schema], summary: str, version: int = 1) -> type[Schema]:
    spec = EventSpec(service, name, version, schema, summary)
    CATALOGUE[spec.type] = spec
    return schema


def spec_of(type_: str) -> EventSpec | None:
    return CATALOGUE.get(type_)


# -- shared building blocks ------------------------------------------------------------


class EventData(Schema):
    """Fields beyond the contract are allowed (consumers ignore what they do not know)."""

    class Meta:
        unknown = INCLUDE


class Place(EventData):
    """Where in the tree: the ids that exist for the event's place."""

    county_id = Id(allow_none=True, metadata={"description": "set where the place is the county"})
    township_id = Id(allow_none=True)
    village_id = Id(allow_none=True)
    grid_id = Id(allow_none=True)


# -- grids -----------------------------------------------------------------------------


class OrgUnitChanged(EventData):
    id = Id(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    level = fields.String(required=True)
    parent_id = Id(allow_none=True)
    path = fields.String()


class PersonAssigned(EventData):
    id = Id(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    roles = fields.List(fields.String(), required=True)
    org_unit_id = Id(required=True)


class HouseholdChanged(EventData):
    id = Id(required=True)
    code = fields.String(required=True)
    grid_id = Id(required=True)
    address = fields.String()
    head_name = fields.String()
    from_grid_id = Id()


class LinkChanged(EventData):
    id = Id(required=True)
    kind = fields.String(required=True)
    kind_label = fields.String()
    source_id = Id(required=True)
    target_id = Id(required=True)
    active = fields.Boolean()
    created_at = fields.String()
    ended_at = fields.String(allow_none=True)


class DemoSeeded(EventData):
    org_units = fields.Integer()
    departments = fields.Integer()
    teams = fields.Integer()
    people = fields.Integer()
    households = fields.Integer()
    residents = fields.Integer()
    links = fields.Integer()


register("grids", "org_unit.created", OrgUnitChanged, "A township, village or grid was added")
register("grids", "org_unit.updated", OrgUnitChanged, "An org unit was renamed")
register("grids", "person.assigned", PersonAssigned, "A person was added or their roles or place changed")
register("grids", "person.updated", PersonAssigned, "A person's details changed")
register("grids", "household.created", HouseholdChanged, "A household was added to a grid")
register("grids", "household.updated", HouseholdChanged, "A household's details changed")
register("grids", "household.moved", HouseholdChanged, "A household moved to another grid")
register("grids", "link.created", LinkChanged, "A member↔household, cadre↔grid or team↔village link was made")
register("grids", "link.ended", LinkChanged, "A link was ended")
register("grids", "demo.seeded", DemoSeeded, "The demo county was loaded")


class TokenRevoked(EventData):
    jti = fields.String(required=True)
    person_id = Id(required=True)
    expires_at = fields.String(required=True)


register("grids", "token.revoked", TokenRevoked, "A person signed out: the token is refused from now on")


class CredentialsChanged(EventData):
    person_id = fields.Integer(required=True)
    credential_version = fields.Integer(required=True)
    reason = fields.String(required=True)


register(
    "grids",
    "account.credentials_changed",
    CredentialsChanged,
    "A person's password, roles, place or account status changed: their earlier tokens are refused",
)


def _schema(type_: str, many: bool = False) -> Schema:
    spec = CATALOGUE.get(type_)
    if spec is None:
        raise ValueError(f"event type {type_} is not in common.contracts.events")
    key = (type_, many)
    if key not in _SCHEMAS:  # schema instances are reusable; building one per event is slow
        _SCHEMAS[key] = spec.schema(many=many)
    return _SCHEMAS[key]


_SCHEMAS: dict[tuple[str, bool], Schema] = {}


def validate_event(type_: str, data: dict) -> None:
    """Refuse an event that is not in the catalogue or whose data breaks its schema."""
    errors = _schema(type_).validate(data)
    if errors:
        raise ValueError(f"event {type_} does not match its schema: {errors}")


def validate_events(type_: str, items: list[dict]) -> None:
    """The same for many events of one type, in one pass."""
    errors = _schema(type_, many=True).validate(items)
    if errors:
        raise ValueError(f"events {type_} do not match their schema: {errors}")


# The other services' catalogues register themselves on import.
from common.contracts import notify_events, scoring_events, tasks_events  # noqa: E402, F401
