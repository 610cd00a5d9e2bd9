"""fieldwork: a photo's capture time and place (EXIF), read once when it is uploaded

Revision ID: fw02
Revises: fwcr1
Create Date: 2026-12-03 08:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "fw02"
down_revision = "fwcr1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("fw_attachments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("taken_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("taken_lat", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("taken_lng", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("fw_attachments", schema=None) as batch_op:
        batch_op.drop_column("taken_lng")
        batch_op.drop_column("taken_lat")
        batch_op.drop_column("taken_at")
