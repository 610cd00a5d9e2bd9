"""phone and ID numbers sealed at rest (SM4 or AES-GCM), phone blind index

Revision ID: cr01
Revises: 0003
Create Date: 2026-12-02 18:40:00
"""

import sqlalchemy as sa
from alembic import op

from common import rekey

revision = "cr01"
down_revision = "0003"
branch_labels = None
depends_on = None

# frozen here, not read from the models: this revision seals what existed at this revision
SEALED = {
    "people": (("phone", "id_number"), {"phone": "phone_bidx"}),
    "households": (("phone",), {"phone": "phone_bidx"}),
    "residents": (("phone", "id_number"), {"phone": "phone_bidx"}),
}
WIDTHS = {"phone": 20, "id_number": 18}
SEALED_WIDTH = 160


def upgrade() -> None:
    for name, (columns, _) in SEALED.items():
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.add_column(sa.Column("phone_bidx", sa.String(length=64), nullable=True))
            batch_op.create_index(f"ix_{name}_phone_bidx", ["phone_bidx"], unique=False)
            for c in columns:
                batch_op.alter_column(
                    c, existing_type=sa.String(length=WIDTHS[c]), type_=sa.String(length=SEALED_WIDTH)
                )
    rekey.reseal_all(op.get_bind(), SEALED, "seal")


def downgrade() -> None:
    rekey.reseal_all(op.get_bind(), {n: (cols, {}) for n, (cols, _) in SEALED.items()}, "open")
    for name, (columns, _) in SEALED.items():
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{name}_phone_bidx")
            batch_op.drop_column("phone_bidx")
            for c in columns:
                batch_op.alter_column(
                    c, existing_type=sa.String(length=SEALED_WIDTH), type_=sa.String(length=WIDTHS[c])
                )
