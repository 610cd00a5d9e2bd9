"""taskflow: the ledger joins the hash chain (chain, seq, prev_hash, hash)

Revision ID: tf02
Revises: tf01
Create Date: 2026-11-22 01:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "tf02"
down_revision = "tf01"
branch_labels = None
depends_on = "pr01"  # ledger_heads, the chain heads the writer locks


def upgrade() -> None:
    with op.batch_alter_table("tf_ledger", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chain", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("chain_seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_tf_ledger_chain_seq", ["chain", "chain_seq"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tf_ledger", schema=None) as batch_op:
        batch_op.drop_index("ix_tf_ledger_chain_seq")
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("chain_seq")
        batch_op.drop_column("chain")
