"""taskflow: content screening (matter aliases, the negative list, hits, task flags)

Revision ID: tf03
Revises: tf02
Create Date: 2026-12-02 18:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "tf03"
down_revision = "tf02"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tf_matters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("aliases", sa.String(length=500), nullable=True))
    with op.batch_alter_table("tf_tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("screening_reasons", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("code_mismatch", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "tf_negative_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("patterns", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("rule_id", "version", name="uq_tf_negative_rules_rule_version"),
    )
    op.create_index("ix_tf_negative_rules_rule_id", "tf_negative_rules", ["rule_id"])
    op.create_index("ix_tf_negative_rules_current", "tf_negative_rules", ["current"])
    op.create_table(
        "tf_screening_hits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), sa.ForeignKey("tf_tasks.id"), nullable=False),
        sa.Column("rule_id", sa.String(length=32), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("rule_name", sa.String(length=100), nullable=False),
        sa.Column("matched", sa.String(length=300), nullable=False),
        sa.Column("org_path", sa.String(length=200), nullable=False),
        sa.Column("sender_id", sa.Integer(), nullable=False),
        sa.Column("sender_name", sa.String(length=50), nullable=False),
        sa.Column("sender_department_id", sa.Integer(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_month", sa.String(length=7), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("task_id", "rule_id", name="uq_tf_screening_hits_task_rule"),
    )
    op.create_index("ix_tf_screening_hits_task_id", "tf_screening_hits", ["task_id"])
    op.create_index("ix_tf_screening_hits_org_path", "tf_screening_hits", ["org_path"])
    op.create_index("ix_tf_screening_hits_month", "tf_screening_hits", ["received_month"])


def downgrade() -> None:
    op.drop_table("tf_screening_hits")
    op.drop_table("tf_negative_rules")
    with op.batch_alter_table("tf_tasks", schema=None) as batch_op:
        batch_op.drop_column("code_mismatch")
        batch_op.drop_column("screening_reasons")
    with op.batch_alter_table("tf_matters", schema=None) as batch_op:
        batch_op.drop_column("aliases")
