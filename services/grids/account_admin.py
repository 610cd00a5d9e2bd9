"""Administering logins: granting one (or resetting its password), disabling and enabling.
The roles are those that add people (`person.create`), inside the administrator's scope; a
county admin's account only by a county admin. The caller commits."""

from __future__ import annotations

from sqlalchemy import select

from common.errors import DomainError, not_found
from common.events import utcnow
from services.grids import audit
from services.grids.commands import _may_give, _require, _unit_in_scope, hasher
from services.grids.credentials import bump, check_new_password
from services.grids.domain import Actor, Role
from services.grids.models import LoginFailure, OrgUnit, Person
from services.grids.placement import Places


def _administered(session, actor: Actor, person_id: int) -> tuple[Person, OrgUnit]:
    _require(actor, "person.create")
    person = session.get(Person, person_id)
    if person is None:
        raise not_found("人员", "person")
    unit = _unit_in_scope(session, actor, person.org_unit_id)
    if Role.county_admin.value in person.roles and Role.county_admin.value not in actor.roles:
        raise DomainError("forbidden")
    return person, unit


def grant_account(
    uow, actor: Actor, person_id: int, username: str, password: str, refuse_password: str | None = None
) -> Person:
    """Give a person a login (or a new password), to be changed at their first login."""
    session = uow.session
    person, unit = _administered(session, actor, person_id)
    _may_give(actor, Places(session).of_person(person))  # a login carries their whole scope
    taken = session.scalar(select(Person.id).where(Person.username == username, Person.id != person.id))
    if taken is not None:
        raise DomainError(
            "conflict",
            {"detail": f"账号 {username} 已被使用", "detail_en": f"The username {username} is taken"},
            {"username": ["账号已被使用"]},
        )
    check_new_password(password, username, refuse_password)
    for name in {username, person.username} - {None}:  # a new password clears any lock
        failures = session.get(LoginFailure, name)
        if failures is not None:
            session.delete(failures)
    person.username = username
    person.password_hash = hasher.hash(password)
    person.failed_logins, person.locked_until = 0, None
    person.must_change_password, person.password_changed_at = True, utcnow()
    bump(uow, person, "account.granted")
    _audit(session, actor, "account.granted", person, unit)
    return person


def set_disabled(uow, actor: Actor, person_id: int, disabled: bool) -> Person:
    """Disable or enable a login; disabling ends the person's sessions at once."""
    session = uow.session
    person, unit = _administered(session, actor, person_id)
    if not person.username:
        raise not_found("账号", "account")
    if person.id == actor.person_id:
        raise DomainError(
            "conflict",
            {
                "detail": "不能停用或启用自己的账号",
                "detail_en": "You cannot disable or enable your own account",
            },
        )
    action = "account.disabled" if disabled else "account.enabled"
    if person.account_disabled != disabled:
        person.account_disabled = disabled
        bump(uow, person, action)
    _audit(session, actor, action, person, unit)
    return person


def _audit(session, actor: Actor, action: str, person: Person, unit: OrgUnit) -> None:
    audit.write(
        session,
        actor_id=actor.person_id,
        action=action,
        target=f"people/{person.id}",
        org_path=unit.path,
        detail={"username": person.username},
        client=actor.client,
    )
