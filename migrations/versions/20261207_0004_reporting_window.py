"""contracts.reporting_window_hours, tickets.late_reason, ticket_events.late_reason

DESIGN.md principle 9 (late records are visible): a contract term bounds how long after the fact
a ticket or event may be recorded (default 72 hours, which existing contracts get); a fact
recorded later by staff carries the reason why (fleet/lateness.py).

Revision ID: 20261207_0004
Revises: 20261207_0003
Create Date: 2026-12-07 02:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '20261207_0004'
down_revision: str | None = '20261207_0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reporting_window_hours', sa.Integer(), server_default='72', nullable=False))
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('late_reason', sa.Text(), nullable=True))
    with op.batch_alter_table('ticket_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('late_reason', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('ticket_events', schema=None) as batch_op:
        batch_op.drop_column('late_reason')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('late_reason')
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.drop_column('reporting_window_hours')
