"""fieldwork: the matter and visit ledger is append-only in the database

Revision ID: fw03
Revises: fw02
Create Date: 2026-12-03 09:00:00
"""

from common.append_only import drop_append_only, make_append_only

revision = "fw03"
down_revision = "fw02"
branch_labels = None
depends_on = None


def upgrade() -> None:
    make_append_only("fw_ledger")


def downgrade() -> None:
    drop_append_only("fw_ledger")
