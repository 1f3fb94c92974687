"""audit_entries.contract_id and affects_from: which figures a write can change

Read by the answer cache (fleet/answers.py): a cached contract figure for a period ending at E
stays valid while no later ledger entry names that contract (or no contract) with
``affects_from`` before E (or none). Existing entries get NULL in both, "could change anything",
the safe reading. Neither column is part of the entry hash.

Revision ID: 20261202_0004
Revises: 20261201_0003
Create Date: 2026-12-02 02:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import fleet.db

revision: str = '20261202_0004'
down_revision: str | None = '20261201_0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contract_id', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('affects_from', fleet.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_column('affects_from')
        batch_op.drop_column('contract_id')
