"""status_events without the foreign key to units and the unused agency_id index

Both cost every inserted event and serve no query (fleet/models/uptime.py, ``StatusEvent``):

* ``fk_status_events_unit_id_units``: PostgreSQL checks it with a trigger query and a ``FOR KEY
  SHARE`` lock on the unit row per inserted row (10,000 per batch); the ingest service already
  stores events only for units it read in the same transaction, and units are never deleted.
* ``ix_status_events_agency_id``: no query selects status events by agency (every read goes by
  unit through ``ix_status_events_unit_occurred``).

Measured inside PostgreSQL (1,000,000 rows, INSERT … SELECT FROM unnest in 5,000-row batches):
about 1.5x the insert rate; bench/ingest.py has the HTTP figures.

Revision ID: 20261201_0003
Revises: 20261201_0002
Create Date: 2026-12-01 23:10:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = '20261201_0003'
down_revision: str | None = '20261201_0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FK = 'fk_status_events_unit_id_units'
_AGENCY_INDEX = 'ix_status_events_agency_id'


def upgrade() -> None:
    with op.batch_alter_table('status_events', schema=None) as batch_op:
        batch_op.drop_index(_AGENCY_INDEX)
        batch_op.drop_constraint(_FK, type_='foreignkey')


def downgrade() -> None:
    with op.batch_alter_table('status_events', schema=None) as batch_op:
        batch_op.create_foreign_key(_FK, 'units', ['unit_id'], ['id'])
        batch_op.create_index(_AGENCY_INDEX, ['agency_id'], unique=False)
