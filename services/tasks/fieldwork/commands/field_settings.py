"""The county's field-work settings (visit targets, ladder windows), changed by its admin."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from common.scope import Actor
from services.tasks.fieldwork import domain
from services.tasks.fieldwork.models import Settings
from services.tasks.fieldwork.settings_store import settings_for


def save_settings(session: Session, actor: Actor, data: dict, now: datetime) -> Settings:
    actor.require("county_admin")
    county_id = domain.county_of(actor.scope[0]) if actor.scope else 0
    row = session.get(Settings, county_id)
    if row is None:
        deadlines, thresholds = settings_for(session, county_id)
        row = Settings(county_id=county_id, **deadlines.__dict__, **thresholds.__dict__)
        session.add(row)
    for key, value in data.items():
        setattr(row, key, value)
    row.updated_by, row.updated_at = actor.id, now
    return row
