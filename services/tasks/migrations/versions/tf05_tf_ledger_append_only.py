"""taskflow: the task ledger is append-only in the database

Revision ID: tf05
Revises: tfcr1
Create Date: 2026-12-03 09:00:00
"""

from common.append_only import drop_append_only, make_append_only

revision = "tf05"
down_revision = "tfcr1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    make_append_only("tf_ledger")


def downgrade() -> None:
    drop_append_only("tf_ledger")
