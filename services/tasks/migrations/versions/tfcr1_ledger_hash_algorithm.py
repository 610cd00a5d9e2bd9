"""taskflow: each ledger row records the digest of its chain hash (sm3 | sha256)

Revision ID: tfcr1
Revises: tf04
Create Date: 2026-12-02 18:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "tfcr1"
down_revision = "tf04"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tf_ledger", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hash_alg", sa.String(length=8), nullable=True))
    # every row chained so far was hashed with SHA-256
    op.execute("UPDATE tf_ledger SET hash_alg = 'sha256' WHERE hash IS NOT NULL")


def downgrade() -> None:
    # rows hashed with SM3 would no longer verify under the old code: refuse rather than lie
    if op.get_bind().scalar(sa.text("SELECT count(*) FROM tf_ledger WHERE hash_alg = 'sm3'")):
        raise RuntimeError("tf_ledger holds SM3-chained rows; the previous revision verifies SHA-256 only")
    with op.batch_alter_table("tf_ledger", schema=None) as batch_op:
        batch_op.drop_column("hash_alg")
