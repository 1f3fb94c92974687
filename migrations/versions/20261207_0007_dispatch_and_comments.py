"""team_memberships, ticket_assignments, ticket_comments: dispatch and one conversation per ticket

New tables only (no column is added to an existing table, so the row proofs of existing rows
still hold). Assignments and comments are facts beside the ticket events: the SLA clocks never
read them.

Revision ID: 20261207_0007
Revises: 20261207_0005
Create Date: 2026-12-07 03:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import fleet.db

revision: str = '20261207_0007'
down_revision: str | None = '20261207_0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'team_memberships',
        sa.Column('user_id', sa.String(length=36), nullable=False),
        sa.Column('team', sa.String(length=80), nullable=False),
        sa.Column('recorded_at', fleet.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.String(length=120), nullable=False),
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_team_memberships_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_team_memberships')),
        sa.UniqueConstraint('user_id', name=op.f('uq_team_memberships_user_id')),
    )
    with op.batch_alter_table('team_memberships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_team_memberships_team'), ['team'], unique=False)
    op.create_table(
        'ticket_assignments',
        sa.Column('agency_id', sa.String(length=36), nullable=False),
        sa.Column('ticket_id', sa.String(length=36), nullable=False),
        sa.Column('assignee', sa.String(length=80), nullable=True),
        sa.Column('team', sa.String(length=80), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('actor', sa.String(length=120), nullable=False),
        sa.Column('recorded_at', fleet.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_ticket_assignments_agency_id_agencies')),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_assignments_ticket_id_tickets')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_assignments')),
    )
    with op.batch_alter_table('ticket_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_assignments_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_assignments_assignee'), ['assignee'], unique=False)
        batch_op.create_index('ix_ticket_assignments_ticket_recorded', ['ticket_id', 'recorded_at'], unique=False)
    op.create_table(
        'ticket_comments',
        sa.Column('agency_id', sa.String(length=36), nullable=False),
        sa.Column('ticket_id', sa.String(length=36), nullable=False),
        sa.Column('visibility', sa.String(length=16), nullable=False),
        sa.Column('side', sa.String(length=16), nullable=False),
        sa.Column('author', sa.String(length=200), nullable=False),
        sa.Column('actor', sa.String(length=120), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('recorded_at', fleet.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_ticket_comments_agency_id_agencies')),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_comments_ticket_id_tickets')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_comments')),
    )
    with op.batch_alter_table('ticket_comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_comments_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index('ix_ticket_comments_ticket_recorded', ['ticket_id', 'recorded_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ticket_comments', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_comments_ticket_recorded')
        batch_op.drop_index(batch_op.f('ix_ticket_comments_agency_id'))
    op.drop_table('ticket_comments')
    with op.batch_alter_table('ticket_assignments', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_assignments_ticket_recorded')
        batch_op.drop_index(batch_op.f('ix_ticket_assignments_assignee'))
        batch_op.drop_index(batch_op.f('ix_ticket_assignments_agency_id'))
    op.drop_table('ticket_assignments')
    with op.batch_alter_table('team_memberships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_team_memberships_team'))
    op.drop_table('team_memberships')
