"""Per-county field-work settings (deadlines per level, alert thresholds), as stored."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.tasks.fieldwork import domain
from services.tasks.fieldwork.models import Settings


def settings_for(session: Session, county_id: int | None) -> tuple[domain.Deadlines, domain.Thresholds]:
    rows = {
        row.county_id: row
        for row in session.scalars(select(Settings).where(Settings.county_id.in_([0, county_id or 0])))
    }
    row = rows.get(county_id or 0) or rows.get(0)
    if row is None:
        return domain.Deadlines(), domain.Thresholds()
    return (
        domain.Deadlines(row.grid_days, row.village_days, row.department_days),
        domain.Thresholds(
            row.visit_rate_mid, row.visit_rate_end, row.completion_rate_mid, row.completion_rate_end
        ),
    )
