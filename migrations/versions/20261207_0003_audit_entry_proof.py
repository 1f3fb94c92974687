"""audit_entries.proof: the hashes of the rows each write left behind

``audit verify`` proves the tables against the ledger (fleet/rowproof.py, fleet/rowcheck.py): a
new entry carries ``{"rows": {table: {id: row hash}}}`` or, for a status-event batch,
``{"batch": {"table", "ids", "count", "sha256"}}``, and the proof is part of the entry hash.
Existing entries get NULL: they hash as before, and their rows are checked against their
``after`` snapshots instead.

Revision ID: 20261207_0003
Revises: 20261207_0002
Create Date: 2026-12-07 10:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '20261207_0003'
down_revision: str | None = '20261207_0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('proof', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_column('proof')
