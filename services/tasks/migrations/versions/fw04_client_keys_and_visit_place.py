"""fieldwork: a client-made key on visits and mailbox letters (a phone's queued item sent twice
is recorded once), and where a visit was recorded

Revision ID: fw04
Revises: fw03
Create Date: 2026-12-03 19:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "fw04"
down_revision = "fw03"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("fw_visits", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client_key", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("latitude", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("longitude", sa.Float(), nullable=True))
        batch_op.create_unique_constraint("uq_fw_visits_member_client_key", ["member_id", "client_key"])
    with op.batch_alter_table("fw_matters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client_key", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint("uq_fw_matters_reporter_client_key", ["reporter_id", "client_key"])


def downgrade() -> None:
    with op.batch_alter_table("fw_matters", schema=None) as batch_op:
        batch_op.drop_constraint("uq_fw_matters_reporter_client_key", type_="unique")
        batch_op.drop_column("client_key")
    with op.batch_alter_table("fw_visits", schema=None) as batch_op:
        batch_op.drop_constraint("uq_fw_visits_member_client_key", type_="unique")
        batch_op.drop_column("longitude")
        batch_op.drop_column("latitude")
        batch_op.drop_column("client_key")
