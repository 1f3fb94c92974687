"""Notification contacts and rules: deleted_at (a removed one stays as a row, as a webhook does)

The ledger proves every row of an audited table, so a removed contact, or a rule a contract
drops to go back to the default, cannot be deleted; it is marked. Revision 20261207_0008 made
both tables the same day and no release holds rows of them yet, so no stored row proof covers a
row without this column.

Revision ID: 20261207_0009
Revises: 20261207_0008
Create Date: 2026-12-07 05:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import fleet.db

revision: str = '20261207_0009'
down_revision: str | None = '20261207_0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


TABLES = ('notification_contacts', 'notification_rules')


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('deleted_at', fleet.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('deleted_at')
