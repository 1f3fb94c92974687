"""web_sessions and signin_throttle: server-side web sessions, failed sign-ins per user/address

``web_sessions`` lets signing out (or disabling a user) end a session for every copy of its
cookie; ``signin_throttle`` counts failed sign-ins per username and per client address, shared
by every worker process. Both are bookkeeping, not audited records.

Revision ID: 20261207_0001
Revises: 20261207_0004
Create Date: 2026-12-07 02:26:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import fleet.db

revision: str = '20261207_0001'
down_revision: str | None = '20261207_0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'signin_throttle',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('window_started_at', fleet.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_signin_throttle')),
    )
    with op.batch_alter_table('signin_throttle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signin_throttle_window_started_at'), ['window_started_at'],
                              unique=False)
    op.create_table(
        'web_sessions',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.String(length=36), nullable=False),
        sa.Column('created_at', fleet.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', fleet.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('ended_at', fleet.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('end_reason', sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_web_sessions_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_web_sessions')),
    )
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_sessions_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_sessions_user_id'))
    op.drop_table('web_sessions')
    with op.batch_alter_table('signin_throttle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signin_throttle_window_started_at'))
    op.drop_table('signin_throttle')
