"""Storage: the grids service's tables (its own database; no other service reads them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from common.events import utcnow
from common.sealed import BlindIndex, Sealed, keep_blind_index
from common.storage import OutboxMixin, ProcessedEventMixin, UtcDateTime


class Base(DeclarativeBase):
    pass


class OutboxMessage(OutboxMixin, Base):
    pass


class ProcessedEvent(ProcessedEventMixin, Base):
    pass


class OrgUnit(Base):
    __tablename__ = "org_units"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), nullable=True, index=True)
    level: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    path: Mapped[str] = mapped_column(String(200), default="", index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class Department(Base):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)


class Team(Base):
    """组团: township or county cadres who together take one or more villages."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)


class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    # phone and ID number are sealed at rest (common.sealed); phone_bidx finds a phone
    phone: Mapped[str | None] = mapped_column(Sealed(), nullable=True)
    phone_bidx: Mapped[str | None] = mapped_column(BlindIndex(), nullable=True, index=True)
    id_number: Mapped[str | None] = mapped_column(Sealed(), nullable=True)
    roles: Mapped[list] = mapped_column(JSON, default=list)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), nullable=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), nullable=True, index=True)
    username: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    # login lockout after repeated failures
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # bumped on every change that must end the person's sessions (carried in tokens as `cv`)
    credential_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    password_changed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    account_disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class LoginFailure(Base):
    """Failed logins per username string, known or not, so a lockout reveals nothing."""

    __tablename__ = "login_failures"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class Open311Key(Base):
    """A resident's own Open311 api_key; only its SHA-256 is kept."""

    __tablename__ = "open311_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class RevokedToken(Base):
    """A signed-out token, refused until it would have expired anyway."""

    __tablename__ = "revoked_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[int] = mapped_column(Integer, index=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    revoked_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class AuditEntry(Base):
    """Who did what, when, from where and with what outcome. Append-only: triggers refuse
    UPDATE and DELETE (migration 0003)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_path_at", "org_path", "at"), Index("ix_audit_at", "at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(80))
    org_path: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    client: Mapped[str | None] = mapped_column(String(64), nullable=True)
    outcome: Mapped[str] = mapped_column(String(16), default="ok", server_default="ok")


class Household(Base):
    __tablename__ = "households"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    address: Mapped[str] = mapped_column(String(200))
    head_name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(Sealed(), nullable=True)
    phone_bidx: Mapped[str | None] = mapped_column(BlindIndex(), nullable=True, index=True)


class Resident(Base):
    __tablename__ = "residents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    relation: Mapped[str] = mapped_column(String(20), default="户主")
    phone: Mapped[str | None] = mapped_column(Sealed(), nullable=True)
    phone_bidx: Mapped[str | None] = mapped_column(BlindIndex(), nullable=True, index=True)
    id_number: Mapped[str | None] = mapped_column(Sealed(), nullable=True)


for _model in (Person, Household, Resident):
    keep_blind_index(_model.phone, "phone_bidx")

# What common.rekey seals, opens and rotates in this database: table -> (columns, blind indexes)
SEALED_COLUMNS = {
    "people": (("phone", "id_number"), {"phone": "phone_bidx"}),
    "households": (("phone",), {"phone": "phone_bidx"}),
    "residents": (("phone", "id_number"), {"phone": "phone_bidx"}),
}


class Link(Base):
    """member↔household, cadre↔grid or team↔village. Ended links are kept as history."""

    __tablename__ = "links"
    __table_args__ = (
        UniqueConstraint("kind", "source_id", "target_id", "active_key", name="uq_links_active"),
        Index("ix_links_target", "kind", "target_id"),
        Index("ix_links_source", "kind", "source_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    # member/cadre person id, or team id for team_village
    source_id: Mapped[int] = mapped_column(Integer)
    # household id, grid id or village id
    target_id: Mapped[int] = mapped_column(Integer)
    # 0 while active; the link's own id once ended, so history never collides
    active_key: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
