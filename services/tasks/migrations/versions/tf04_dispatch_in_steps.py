"""taskflow: a task remembers the target villages not yet dispatched (dispatch in steps)
and the open work it overlaps (多头派单)

Revision ID: tf04
Revises: tf03
Create Date: 2026-12-02 19:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "tf04"
down_revision = "tf03"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tf_tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("undispatched", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("overlaps", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tf_tasks", schema=None) as batch_op:
        batch_op.drop_column("overlaps")
        batch_op.drop_column("undispatched")
