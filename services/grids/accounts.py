"""Logging in, the lockout and a person's own password change (grids).

Both work inside the caller's unit of work and answer a refusal as a code instead of
raising it: the caller commits first, so the failure count and the audit row are kept.
"""

from __future__ import annotations

from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from common.config import env
from common.errors import DomainError, not_found
from common.events import utcnow
from services.grids import audit, passwords
from services.grids.commands import actor_claims, hasher
from services.grids.credentials import bump, check_new_password, place_of
from services.grids.domain import LOCKOUT_MINUTES, Actor, after_failed_login, is_locked
from services.grids.models import LoginFailure, Person

# Verified against when the username is unknown, so both failures take the same time.
_DUMMY_HASH = hasher.hash("not-a-real-password")


def max_password_days() -> int | None:
    days = env("GOV_PASSWORD_MAX_DAYS")
    return int(days) if days else None


def _failed(session, username: str, now) -> None:
    row = session.get(LoginFailure, username) or LoginFailure(username=username, failed=0)
    row.failed, row.locked_until = after_failed_login(row.failed or 0, now)
    session.add(row)


def authenticate(
    session, username: str, password: str, refuse_password: str | None, client: str | None = None
) -> tuple[dict, str | None]:
    """(claims, None) for a valid login, else ({}, refusal code). Unknown usernames are
    counted and locked exactly like known ones, so neither the answer nor its timing tells
    them apart; a disabled account answers `login_failed` too. Every attempt is audited."""
    now = utcnow()
    person = session.scalar(select(Person).where(Person.username == username, Person.active))
    target = f"accounts/{username}"[:80]
    record = {"actor_id": person.id if person else 0, "target": target, "client": client}
    record |= {"org_path": place_of(session, person), "detail": {"username": username}}
    failures = session.get(LoginFailure, username)
    if failures is not None and is_locked(failures.locked_until, now):
        audit.write(session, action="login", outcome="locked", **record)
        return {}, "account_locked"
    stored = person.password_hash if person and person.password_hash else _DUMMY_HASH
    try:
        hasher.verify(stored, password)
        ok = person is not None and person.password_hash is not None
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or (refuse_password is not None and password == refuse_password):
        _failed(session, username, now)
        locked = is_locked(session.get(LoginFailure, username).locked_until, now)
        audit.write(session, action="login", outcome="failed", **record)
        if locked:
            audit.write(session, action="account.locked", outcome="locked", **record)
        return {}, "login_failed"
    if person.account_disabled:
        audit.write(session, action="login", outcome="disabled", **record)
        return {}, "login_failed"
    if failures is not None:
        session.delete(failures)
    person.failed_logins, person.locked_until = 0, None
    audit.write(session, action="login", outcome="ok", **record)
    must_change = person.must_change_password or passwords.expired(
        person.password_changed_at, now, max_password_days()
    )
    return actor_claims(session, person) | {"must_change_password": bool(must_change)}, None


def change_password(
    uow, actor: Actor, old: str, new: str, refuse_password: str | None
) -> tuple[dict, str | None]:
    """The person's own password change: (fresh claims, None), or ({}, refusal) when the old
    password is wrong (counted like a failed login). A weak new password raises at once."""
    session = uow.session
    person = session.get(Person, actor.person_id)
    if person is None or not person.username or not person.password_hash:
        raise not_found("账号", "account")
    record = {"actor_id": person.id, "target": f"people/{person.id}", "client": actor.client}
    record["org_path"] = place_of(session, person)
    now = utcnow()
    failures = session.get(LoginFailure, person.username)
    if failures is not None and is_locked(failures.locked_until, now):
        raise DomainError("account_locked", {"minutes": LOCKOUT_MINUTES})
    try:
        hasher.verify(person.password_hash, old)
    except (VerificationError, InvalidHashError):
        _failed(session, person.username, now)
        audit.write(session, action="password.changed", outcome="failed", **record)
        return {}, "old_password_wrong"
    check_new_password(new, person.username, refuse_password, "new_password")
    if new == old:
        raise DomainError("validation_failed", fields={"new_password": ["新密码不能与原密码相同"]})
    person.password_hash = hasher.hash(new)
    person.must_change_password, person.password_changed_at = False, now
    bump(uow, person, "password.changed")
    audit.write(session, action="password.changed", **record)
    return actor_claims(session, person) | {"must_change_password": False}, None
