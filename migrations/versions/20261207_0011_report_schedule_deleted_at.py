"""Report schedules: deleted_at (a deleted schedule stays on record, as the ledger proves it)

Revision ID: 20261207_0011
Revises: 20261207_0009
Create Date: 2026-12-07 05:55:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import fleet.db

revision: str = '20261207_0011'
down_revision: str | None = '20261207_0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('report_schedules', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deleted_at', fleet.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('report_schedules', schema=None) as batch_op:
        batch_op.drop_column('deleted_at')
