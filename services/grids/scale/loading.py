"""Writing a built county into the (empty, migrated) grids database with PostgreSQL COPY,
explicit ids and the sequences moved past them; and checking a loaded county's consistency."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select, text

from common.crypto import blind_index, seal
from common.storage import copy_rows, raw_connection
from services.grids.models import Department, Household, Link, OrgUnit, Person, Resident, Team
from services.grids.scale.building import build
from services.grids.scale.county import County
from services.grids.scale.presets import Scale


def _sealed(row: tuple, *positions: int) -> tuple:
    """The row with its phone and ID number fields sealed: COPY bypasses the column type."""
    return tuple(seal(v) if i in positions else v for i, v in enumerate(row))


def load(engine, scale: Scale, password_hash: str, seed: int = 2026) -> County:
    """Build the county and COPY it into the (empty, migrated) grids database at `engine`."""
    with engine.connect() as conn:
        if conn.scalar(select(func.count()).select_from(OrgUnit)):
            raise ValueError("grids database is not empty: load a county into fresh databases")
    county, rows = build(scale, seed)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    raw = raw_connection(engine)
    try:
        cur = raw.cursor()
        copy_rows(
            cur,
            OrgUnit.__tablename__,
            ["id", "parent_id", "level", "code", "name", "path", "created_at"],
            rows["org_units"],
        )
        copy_rows(cur, Department.__tablename__, ["id", "code", "name", "org_unit_id"], rows["departments"])
        copy_rows(cur, Team.__tablename__, ["id", "code", "name", "org_unit_id"], rows["teams"])
        copy_rows(
            cur,
            Person.__tablename__,
            [
                "id",
                "code",
                "name",
                "phone",
                "id_number",
                "roles",
                "org_unit_id",
                "department_id",
                "team_id",
                "username",
                "password_hash",
                "active",
                "created_at",
                "failed_logins",
                "phone_bidx",
            ],
            (
                _sealed(r, 3, 4) + ((password_hash if r[9] else None), True, now, 0, blind_index(r[3]))
                for r in rows["people"]
            ),
        )
        copy_rows(
            cur,
            Household.__tablename__,
            ["id", "code", "grid_id", "address", "head_name", "phone", "phone_bidx"],
            (_sealed(r, 5) + (blind_index(r[5]),) for r in rows["households"]),
        )
        copy_rows(
            cur,
            Resident.__tablename__,
            ["id", "household_id", "name", "relation", "phone", "id_number", "phone_bidx"],
            (_sealed(r, 4, 5) + (blind_index(r[4]),) for r in rows["residents"]),
        )
        copy_rows(
            cur,
            Link.__tablename__,
            ["id", "kind", "source_id", "target_id", "active_key", "created_at"],
            (r + (0, now) for r in rows["links"]),
        )
        for table in ("org_units", "departments", "teams", "people", "households", "residents", "links"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
        raw.commit()
        cur.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
    return county


def check(engine) -> dict:
    """Consistency of a loaded county (tests and the loader's closing report)."""
    queries = {
        "org_units": "SELECT count(*) FROM org_units",
        "people": "SELECT count(*) FROM people",
        "households": "SELECT count(*) FROM households",
        "residents": "SELECT count(*) FROM residents",
        "links": "SELECT count(*) FROM links",
        # every path is the parent's path plus the unit's own id
        "bad_paths": """SELECT count(*) FROM org_units u LEFT JOIN org_units p ON p.id = u.parent_id
                        WHERE u.path <> coalesce(p.path, '/') || u.id || '/'""",
        "households_without_member": """SELECT count(*) FROM households h WHERE NOT EXISTS (
                        SELECT 1 FROM links l WHERE l.kind = 'member_household' AND l.target_id = h.id)""",
        "member_links_across_grids": """SELECT count(*) FROM links l JOIN people p ON p.id = l.source_id
                        JOIN households h ON h.id = l.target_id
                        WHERE l.kind = 'member_household' AND p.org_unit_id <> h.grid_id""",
        "grids_without_cadre": """SELECT count(*) FROM org_units g WHERE g.level = 'grid' AND NOT EXISTS (
                        SELECT 1 FROM links l WHERE l.kind = 'cadre_grid' AND l.target_id = g.id)""",
        "villages_without_team": """SELECT count(*) FROM org_units v WHERE v.level = 'village' AND NOT EXISTS (
                        SELECT 1 FROM links l WHERE l.kind = 'team_village' AND l.target_id = v.id)""",
        "cadre_links_outside_village": """SELECT count(*) FROM links l JOIN people p ON p.id = l.source_id
                        JOIN org_units g ON g.id = l.target_id
                        WHERE l.kind = 'cadre_grid' AND g.parent_id <> p.org_unit_id""",
    }
    with engine.connect() as conn:
        return {name: int(conn.scalar(text(sql))) for name, sql in queries.items()}
