"""Alembic, one migration history per service, driven from code.

Each service keeps `migrations/` (env.py + versions/) beside its models; `upgrade`
brings a service database to head, `downgrade` takes it back (to base by default). `python -m common.migrations` upgrades all.
"""

from __future__ import annotations

import sys
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, engine_from_config, pool

from common.config import ROOT, SERVICES, database_url
from common.storage import normalize_url


def alembic_config(service: str, url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(ROOT / "services" / service / "migrations"))
    cfg.set_main_option("sqlalchemy.url", normalize_url(url or database_url(service)).replace("%", "%%"))
    cfg.attributes["service"] = service
    return cfg


def upgrade(service: str, url: str | None = None) -> None:
    # "heads": a service may keep one migration branch per capability (see services/tasks)
    command.upgrade(alembic_config(service, url), "heads")


def downgrade(service: str, url: str | None = None, target: str = "base") -> None:
    """Undo a service's migrations down to `target` ("base": every branch, every table)."""
    command.downgrade(alembic_config(service, url), target)


def run_env(target_metadata: MetaData) -> None:
    """The body of every service's migrations/env.py."""
    config = context.config
    if context.is_offline_mode():
        context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = engine_from_config(
        config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()


def main(argv: list[str]) -> None:
    for service in argv or SERVICES:
        upgrade(service)
        print(f"migrated {service}: {database_url(service).split('@')[-1]}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main(sys.argv[1:])
