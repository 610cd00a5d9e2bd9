"""What fieldwork's entrypoints share: who answers for a grid (a cache refreshed from grids
before any unit of work opens), the names alerts need, and the SMS carrying a rating code."""

from __future__ import annotations

import logging
from datetime import timedelta

import eventlet
from sqlalchemy import select

from common.config import env
from common.errors import DomainError
from common.events import utcnow
from common.remote import call
from common.scope import Actor
from services.tasks.fieldwork import commands, domain
from services.tasks.fieldwork.models import GridContact
from services.tasks.fieldwork.sms import default_sender
from services.tasks.fieldwork.storage import _aware

log = logging.getLogger(__name__)
expected = (DomainError,)

SNAPSHOT_PAGE = 20000
CONTACT_MAX_AGE = timedelta(hours=12)


def _admin(actor: dict | None) -> None:
    """Jobs run by hand through the gateway are the county admin's; the bus itself is trusted."""
    if actor is not None:
        Actor.from_dict(actor).require("county_admin")


def _contacts_of(grid_ids: list[int]):
    return select(GridContact).where(GridContact.grid_id.in_(grid_ids))


class FieldworkSupport:
    """Mixed into each group of fieldwork entrypoints; the service supplies `db` and `grids`."""

    def _contacts(self, grid_ids) -> dict[int, GridContact]:
        """Who answers for each grid: cached rows, refreshed from grids when missing or stale.
        Called before the caller's unit of work: no transaction is open while grids answers,
        and the rows come back detached, to be read only."""
        ids = sorted({g for g in grid_ids if g is not None})  # an unknown grid (even 0) is a 404 from grids
        if not ids:
            return {}
        now = utcnow()
        with self.db() as uow:
            cached = {c.grid_id: c for c in uow.session.scalars(_contacts_of(ids))}
        stale = [g for g in ids if g not in cached or _aware(cached[g].refreshed_at) < now - CONTACT_MAX_AGE]
        if not stale:
            return cached
        pool = eventlet.GreenPool(8)
        fresh = list(pool.imap(lambda g: call(self.grids, "grids", "responsible_for_grid", g), stale))
        with self.db() as uow:
            commands.save_contacts(uow.session, fresh, now)
            uow.commit()
            return {c.grid_id: c for c in uow.session.scalars(_contacts_of(ids))}

    def _names(self, found: list[dict]) -> dict:
        """Names of the lagging members, grids and villages (and the villages they sit in)."""
        people = sorted({f["subject_id"] for f in found if f["subject_kind"] == "member"})
        units = sorted(
            {f["subject_id"] for f in found if f["subject_kind"] != "member"}
            | {ids[2] for f in found if len(ids := domain.path_ids(f["org_path"])) > 2}
        )
        named_people = call(self.grids, "grids", "person_names", people) if people else {}
        named_units = call(self.grids, "grids", "org_units", units) if units else []
        return {
            "people": {int(k): v for k, v in named_people.items()},
            "units": {u["id"]: u["name"] for u in named_units},
        }

    def _send_code(self, household_id: int, code: str | None) -> bool:
        if code is None:  # this month's rating was already asked for
            return False
        text = domain.rating_sms(code, env("GOV_PUBLIC_URL"))
        try:
            default_sender().send(household_id, text, "visit_rating")
            return True
        except Exception:  # noqa: BLE001 - the visit stands even if the SMS gateway is away
            log.exception("rating code for household %s not sent", household_id)
            return False
