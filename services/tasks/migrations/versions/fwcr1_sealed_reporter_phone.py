"""fieldwork: mailbox reporters' phones sealed at rest; per-phone limits keyed by blind index

Revision ID: fwcr1
Revises: fw01
Create Date: 2026-12-02 18:50:00
"""

import sqlalchemy as sa
from alembic import op

from common import crypto, rekey

revision = "fwcr1"
down_revision = "fw01"
branch_labels = None
depends_on = None

SEALED = {"fw_matters": (("reporter_phone",), {})}
PHONE_BUCKETS = ("mailbox", "open311")  # their `client` is a phone or a client address


def _is_phone(client: str) -> bool:
    return client.isdigit() and len(client) == 11


def upgrade() -> None:
    with op.batch_alter_table("fw_matters", schema=None) as batch_op:
        batch_op.alter_column(
            "reporter_phone", existing_type=sa.String(length=20), type_=sa.String(length=160)
        )
    conn = op.get_bind()
    rekey.reseal_all(conn, SEALED, "seal")
    attempts = sa.table("fw_attempts", sa.column("id"), sa.column("bucket"), sa.column("client"))
    rows = conn.execute(sa.select(attempts).where(attempts.c.bucket.in_(PHONE_BUCKETS))).all()
    updates = [{"_id": r.id, "_client": crypto.blind_index(r.client)} for r in rows if _is_phone(r.client)]
    if updates:
        conn.execute(
            attempts.update()
            .where(attempts.c.id == sa.bindparam("_id"))
            .values(client=sa.bindparam("_client")),
            updates,
        )


def downgrade() -> None:
    conn = op.get_bind()
    rekey.reseal_all(conn, SEALED, "open")
    # an HMAC does not give the phone back: drop the (hour-long) per-phone counters instead
    attempts = sa.table("fw_attempts", sa.column("bucket"), sa.column("client"))
    conn.execute(
        attempts.delete().where(attempts.c.bucket.in_(PHONE_BUCKETS), sa.func.length(attempts.c.client) == 64)
    )
    with op.batch_alter_table("fw_matters", schema=None) as batch_op:
        batch_op.alter_column(
            "reporter_phone", existing_type=sa.String(length=160), type_=sa.String(length=20)
        )
