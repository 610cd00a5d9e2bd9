"""procedures: a bid keeps its files' facts (name, kind, when and where a photo was taken),
as assignment evidence and procedure steps do, so the awarder sees them beside the case

Revision ID: pr03
Revises: pr02
Create Date: 2026-12-03 16:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "pr03"
down_revision = "pr02"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pr_bids", schema=None) as batch_op:
        batch_op.add_column(sa.Column("files", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pr_bids", schema=None) as batch_op:
        batch_op.drop_column("files")
