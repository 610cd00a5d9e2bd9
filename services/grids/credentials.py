"""The credential version (`cv` in every token) and the rules for a new password.

A token carries the version its person had at login. Any change that must end the person's
sessions (a new password, other roles or place, a disabled account) raises the version and
broadcasts `account.credentials_changed`; every gateway replica then refuses older tokens.
"""

from __future__ import annotations

from sqlalchemy import select

from common.errors import DomainError
from common.events import DomainEvent
from services.grids import audit, passwords
from services.grids.models import OrgUnit, Person


def place_of(session, person: Person | None) -> str:
    unit = session.get(OrgUnit, person.org_unit_id) if person else None
    return unit.path if unit else ""


def bump(uow, person: Person, reason: str) -> None:
    """End every session of `person`: a new credential version, broadcast to the gateways."""
    person.credential_version = (person.credential_version or 1) + 1
    uow.emit(
        DomainEvent(
            service="grids",
            name="account.credentials_changed",
            data={"person_id": person.id, "credential_version": person.credential_version, "reason": reason},
            subject=f"people/{person.id}",
            org_path=place_of(uow.session, person),
        )
    )


def reassigned(uow, actor) -> None:
    """After an import: each person given other roles or another place (`person.assigned`)
    gets a new credential version and an audit row of their own."""
    for event in [e for e in uow.events if e.name == "person.assigned"]:
        person = uow.session.get(Person, event.data["id"])
        if person is None:
            continue
        if person.username:
            bump(uow, person, "person.assigned")
        audit.write(
            uow.session,
            actor_id=actor.person_id,
            action="person.assigned",
            target=event.subject,
            org_path=event.org_path,
            detail={"roles": event.data["roles"], "org_unit_id": event.data["org_unit_id"]},
            client=actor.client,
        )


def check_new_password(
    password: str, username: str, refuse_password: str | None, field: str = "password"
) -> None:
    """422 with the reasons, in Chinese, unless the password meets the rules."""
    refused = frozenset({refuse_password}) if refuse_password else frozenset()
    found = passwords.problems(password, username, passwords.common_passwords(), refused)
    if found:
        raise DomainError("validation_failed", fields={field: found})


def credential_versions(session) -> dict[str, int]:
    """{person id: version} of every person whose sessions were ever ended (version > 1)."""
    rows = session.execute(select(Person.id, Person.credential_version).where(Person.credential_version > 1))
    return {str(pid): int(version) for pid, version in rows}
