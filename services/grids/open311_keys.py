"""A resident's own Open311 api_key (grids keeps it with the account it stands for).

The key is shown once, when it is issued; only its SHA-256 is stored (a random 240-bit key
needs no slow hash). It is not a session token: it does not expire with the session, it
is revoked on its own, and it stops working when the account is disabled.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import func, select

from common.errors import DomainError, not_found
from common.events import utcnow
from services.grids import audit
from services.grids.commands import actor_claims
from services.grids.credentials import place_of
from services.grids.domain import Actor, Role
from services.grids.models import Open311Key, Person

PREFIX = "o311_"
MAX_ACTIVE = 5


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _resident(session, actor: Actor) -> Person:
    if Role.resident.value not in actor.roles:
        raise DomainError("forbidden")
    person = session.get(Person, actor.person_id)
    if person is None:
        raise not_found("人员", "person")
    return person


def _active(person_id: int):
    return select(Open311Key).where(Open311Key.person_id == person_id, Open311Key.revoked_at.is_(None))


def issue(uow, actor: Actor) -> tuple[str, Open311Key]:
    session = uow.session
    person = _resident(session, actor)
    count = session.scalar(select(func.count()).select_from(_active(person.id).subquery()))
    if count >= MAX_ACTIVE:
        raise DomainError("conflict", {"detail": f"最多同时持有 {MAX_ACTIVE} 个 api_key,请先作废旧的"})
    key = PREFIX + secrets.token_urlsafe(30)
    row = Open311Key(person_id=person.id, key_hash=digest(key), prefix=key[:12])
    session.add(row)
    session.flush()
    _audit(session, actor, "open311_key.issued", row, place_of(session, person))
    return key, row


def revoke(uow, actor: Actor, key_id: int) -> Open311Key:
    session = uow.session
    person = _resident(session, actor)
    row = session.get(Open311Key, key_id)
    if row is None or row.person_id != person.id:
        raise not_found("api_key", "api_key")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        _audit(session, actor, "open311_key.revoked", row, place_of(session, person))
    return row


def keys_of(session, actor: Actor) -> list[Open311Key]:
    person = _resident(session, actor)
    return list(session.scalars(select(Open311Key).where(Open311Key.person_id == person.id)))


def actor_for(session, key: str) -> dict | None:
    """The resident's claims for a valid, unrevoked key of an enabled account, else None."""
    if not key.startswith(PREFIX):
        return None
    row = session.scalar(select(Open311Key).where(Open311Key.key_hash == digest(key)))
    if row is None or row.revoked_at is not None:
        return None
    person = session.get(Person, row.person_id)
    if person is None or not person.active or person.account_disabled:
        return None
    if Role.resident.value not in person.roles:
        return None
    return actor_claims(session, person)


def key_dict(row: Open311Key, key: str | None = None) -> dict:
    found = {"id": row.id, "prefix": row.prefix, "created_at": row.created_at, "revoked_at": row.revoked_at}
    return found | ({"api_key": key} if key else {})


def _audit(session, actor: Actor, action: str, row: Open311Key, path: str) -> None:
    audit.write(
        session,
        actor_id=actor.person_id,
        action=action,
        target=f"open311_keys/{row.id}",
        org_path=path,
        detail={"prefix": row.prefix},
        client=actor.client,
    )
