"""Scoring's copies of grids' data: the cadre↔grid and team↔village links (fed by events,
refreshed from snapshots) and the people attribution needs (team cadres, village secretaries)."""

from __future__ import annotations

from sqlalchemy import delete, insert, select

from services.scoring.domain import place_of
from services.scoring.models import Entity, LinkReplica

REPLICATED = ("cadre_grid", "team_village")


def apply_link(session, event: dict, active: bool) -> None:
    data = event["data"]
    if data.get("kind") not in REPLICATED:
        return
    key = (data["kind"], int(data["source_id"]), int(data["target_id"]))
    row = session.get(LinkReplica, key)
    if not active:
        if row is not None and row.link_id == int(data["id"]):
            session.delete(row)
        return
    path = event.get("orgpath") or ""
    village_id = int(data["target_id"]) if data["kind"] == "team_village" else place_of(path)["village_id"]
    if row is None:
        session.add(
            LinkReplica(
                kind=key[0],
                source_id=key[1],
                target_id=key[2],
                link_id=int(data["id"]),
                org_path=path,
                village_id=village_id,
            )
        )
    else:
        row.link_id, row.org_path, row.village_id = int(data["id"]), path, village_id


def replace_links(session, kind: str, rows: list[dict]) -> int:
    session.execute(delete(LinkReplica).where(LinkReplica.kind == kind))
    if rows:
        session.execute(
            insert(LinkReplica),
            [
                {
                    "kind": kind,
                    "source_id": r["source_id"],
                    "target_id": r["target_id"],
                    "link_id": r["id"],
                    "org_path": r["org_path"],
                    "village_id": r["village_id"],
                }
                for r in rows
            ],
        )
    return len(rows)


# -- attribution look-ups (team cadres, village secretaries) -----------------------------


def replace_people(session, model, key: str, mapping: dict) -> int:
    """Replace `team_members` or `village_secretaries` with grids' answer ({id: [person ids]},
    JSON keys as strings). Returns the rows written."""
    rows = sorted({(int(k), int(p)) for k, people in mapping.items() for p in people or []})
    session.execute(delete(model))
    if rows:
        session.execute(insert(model), [{key: k, "person_id": p} for k, p in rows])
    return len(rows)


def team_ids(session) -> list[int]:
    return list(
        session.scalars(
            select(LinkReplica.source_id)
            .where(LinkReplica.kind == "team_village")
            .distinct()
            .order_by(LinkReplica.source_id)
        )
    )


def village_ids(session) -> list[int]:
    """Every village scoring knows: those scored and those linked to a team."""
    scored = select(Entity.entity_id).where(Entity.entity_kind == "village")
    linked = select(LinkReplica.target_id).where(LinkReplica.kind == "team_village")
    return sorted(set(session.scalars(scored)) | set(session.scalars(linked)))
