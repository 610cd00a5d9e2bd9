"""procedures: the procedure ledger is append-only in the database

Revision ID: pr02
Revises: prcr1
Create Date: 2026-12-03 09:00:00
"""

from common.append_only import drop_append_only, make_append_only

revision = "pr02"
down_revision = "prcr1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    make_append_only("pr_ledger")


def downgrade() -> None:
    drop_append_only("pr_ledger")
