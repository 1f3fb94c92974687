"""status_events in the order availability reads them; maintenance window cancellation details

* PostgreSQL: ``status_events.unit_id`` and ``event_id`` in ``COLLATE "C"`` (byte order: grouping
  and sorting by unit compare bytes, not ``strcoll``), and ``ix_status_events_unit_occurred``
  becomes the covering ``(unit_id, occurred_at, id) INCLUDE (state, recorded_at)``: the
  availability query is an index-only scan in the order its ``lag()`` window needs, with no sort
  and no heap visit (docs/SCALING.md, "Read path").
* SQLite: the same index without ``INCLUDE`` (SQLite has none; ``(unit_id, occurred_at, id)``
  is the order the query reads). Collations are left alone (SQLite's default is byte order).
* ``maintenance_windows.cancel_reason`` and ``cancelled_by``: who cancelled a window and why.

Revision ID: 20261201_0002
Revises: 0001
Create Date: 2026-12-01 19:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '20261201_0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEX = 'ix_status_events_unit_occurred'


def _postgres() -> bool:
    return op.get_bind().dialect.name == 'postgresql'


def upgrade() -> None:
    with op.batch_alter_table('maintenance_windows', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cancel_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('cancelled_by', sa.String(length=120), nullable=True))

    if _postgres():
        # one table rewrite for both columns; the old index goes first so it is not rebuilt in between
        op.drop_index(_INDEX, table_name='status_events')
        op.execute('ALTER TABLE status_events '
                   'ALTER COLUMN unit_id TYPE varchar(36) COLLATE "C", '
                   'ALTER COLUMN event_id TYPE varchar(100) COLLATE "C"')
        op.create_index(_INDEX, 'status_events', ['unit_id', 'occurred_at', 'id'], unique=False,
                        postgresql_include=['state', 'recorded_at'])
    else:
        with op.batch_alter_table('status_events', schema=None) as batch_op:
            batch_op.drop_index(_INDEX)
            batch_op.create_index(_INDEX, ['unit_id', 'occurred_at', 'id'], unique=False)


def downgrade() -> None:
    if _postgres():
        op.drop_index(_INDEX, table_name='status_events')
        op.execute('ALTER TABLE status_events '
                   'ALTER COLUMN unit_id TYPE varchar(36) COLLATE "default", '
                   'ALTER COLUMN event_id TYPE varchar(100) COLLATE "default"')
        op.create_index(_INDEX, 'status_events', ['unit_id', 'occurred_at'], unique=False)
    else:
        with op.batch_alter_table('status_events', schema=None) as batch_op:
            batch_op.drop_index(_INDEX)
            batch_op.create_index(_INDEX, ['unit_id', 'occurred_at'], unique=False)

    with op.batch_alter_table('maintenance_windows', schema=None) as batch_op:
        batch_op.drop_column('cancelled_by')
        batch_op.drop_column('cancel_reason')
