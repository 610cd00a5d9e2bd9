"""Storage of the scoring service: indicator facts, their monthly totals, scores, the link
replica it groups by, and the recognitions (praise, alerts) it has already announced."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Float, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from common.storage import OutboxMixin, ProcessedEventMixin, UtcDateTime

BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    pass


class OutboxMessage(OutboxMixin, Base):
    pass


class ProcessedEvent(ProcessedEventMixin, Base):
    pass


class Fact(Base):
    """One event's contribution to one measure of one entity in one month."""

    __tablename__ = "indicator_facts"
    __table_args__ = (
        UniqueConstraint(
            "event_id", "entity_kind", "entity_id", "measure", name="uq_fact_event_entity_measure"
        ),
        Index("ix_fact_period_entity", "period", "entity_kind", "entity_id", "measure"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36))
    event_type: Mapped[str] = mapped_column(String(120))
    entity_kind: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[int] = mapped_column(Integer)
    measure: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(7))
    # thousandths, so that sums are exact integers whatever order they are added in
    value_milli: Mapped[int] = mapped_column(BigId)
    org_path: Mapped[str] = mapped_column(String(200))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Total(Base):
    """Σ value and number of facts per (month, entity, measure), kept incrementally."""

    __tablename__ = "indicator_totals"

    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    entity_kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    entity_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    measure: Mapped[str] = mapped_column(String(32), primary_key=True)
    total_milli: Mapped[int] = mapped_column(BigId)
    count: Mapped[int] = mapped_column(Integer)


class Entity(Base):
    """Where a scored member, grid or village sits in the tree (from the events about it)."""

    __tablename__ = "scored_entities"
    __table_args__ = (Index("ix_entity_village", "village_id"),)

    entity_kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    entity_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_path: Mapped[str] = mapped_column(String(200))
    township_id: Mapped[int | None] = mapped_column(Integer)
    village_id: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=0)


class Score(Base):
    """A stored monthly index value. Its explanation is derived on read from the totals
    (`compute.explain`); `parts` is no longer written (kept for rows written before 0003)."""

    __tablename__ = "scores"
    __table_args__ = (
        Index("ix_score_board", "period", "index", "entity_kind", "value"),
        # a township's villages (兴村治社榜 checks) and any subtree, by path prefix
        Index(
            "ix_score_place",
            "period",
            "index",
            "entity_kind",
            "org_path",
            postgresql_ops={"org_path": "varchar_pattern_ops"},
        ),
    )

    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    index: Mapped[str] = mapped_column(String(16), primary_key=True)
    entity_kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    entity_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[float | None] = mapped_column(Float)
    colour: Mapped[str | None] = mapped_column(String(8))
    org_path: Mapped[str] = mapped_column(String(200))
    village_id: Mapped[int | None] = mapped_column(Integer)
    parts: Mapped[list | None] = mapped_column(JSON, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class LinkReplica(Base):
    """Active cadre↔grid and team↔village links (grids' links_snapshot and link events)."""

    __tablename__ = "link_replica"
    __table_args__ = (Index("ix_link_target", "kind", "target_id"),)

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    source_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    target_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    link_id: Mapped[int] = mapped_column(Integer)
    org_path: Mapped[str] = mapped_column(String(200))
    village_id: Mapped[int | None] = mapped_column(Integer)


class TeamMember(Base):
    """The team cadres (组团干部) of each team, from grids' `team_members` look-up."""

    __tablename__ = "team_members"

    team_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(Integer, primary_key=True)


class VillageSecretary(Base):
    """The village secretaries (村党组织书记) of each village, from grids' `village_secretaries`."""

    __tablename__ = "village_secretaries"
    __table_args__ = (Index("ix_secretary_person", "person_id"),)

    village_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(Integer, primary_key=True)


class Recognition(Base):
    """Praise and alerts already announced, so each is announced once per period."""

    __tablename__ = "recognitions"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # praise | alert
    reason: Mapped[str] = mapped_column(String(32), primary_key=True)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    index: Mapped[str] = mapped_column(String(16), primary_key=True)
    entity_kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    entity_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
