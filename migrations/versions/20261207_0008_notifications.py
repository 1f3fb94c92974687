"""Notifications: contacts, rules, webhooks, the outbox (notifications, deliveries), clock alarms, report schedules

New tables only (no column is added to an existing table, so the row proofs of existing rows
still hold).

Revision ID: 20261207_0008
Revises: 20261207_0007
Create Date: 2026-12-07 05:28:46.812263
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import fleet.db

revision: str = '20261207_0008'
down_revision: str | None = '20261207_0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('notification_contacts',
    sa.Column('agency_id', sa.String(length=36), nullable=True),
    sa.Column('audience', sa.String(length=16), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', fleet.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_notification_contacts_agency_id_agencies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_contacts'))
    )
    with op.batch_alter_table('notification_contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_contacts_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_contacts_username'), ['username'], unique=False)

    op.create_table('webhooks',
    sa.Column('agency_id', sa.String(length=36), nullable=True),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('events', sa.JSON(), nullable=False),
    sa.Column('secret', sa.String(length=128), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('deleted_at', fleet.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', fleet.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_webhooks_agency_id_agencies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhooks'))
    )
    with op.batch_alter_table('webhooks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhooks_agency_id'), ['agency_id'], unique=False)

    op.create_table('notification_rules',
    sa.Column('agency_id', sa.String(length=36), nullable=False),
    sa.Column('contract_id', sa.String(length=36), nullable=False),
    sa.Column('event_type', sa.String(length=32), nullable=False),
    sa.Column('recipients', sa.JSON(), nullable=False),
    sa.Column('priorities', sa.JSON(), nullable=True),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', fleet.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_notification_rules_agency_id_agencies')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_notification_rules_contract_id_contracts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_rules')),
    sa.UniqueConstraint('contract_id', 'event_type', name=op.f('uq_notification_rules_contract_id_event_type'))
    )
    with op.batch_alter_table('notification_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_rules_agency_id'), ['agency_id'], unique=False)

    op.create_table('report_schedules',
    sa.Column('agency_id', sa.String(length=36), nullable=False),
    sa.Column('contract_id', sa.String(length=36), nullable=False),
    sa.Column('cadence', sa.String(length=16), nullable=False),
    sa.Column('working_day', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', fleet.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_report_schedules_agency_id_agencies')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_report_schedules_contract_id_contracts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_schedules')),
    sa.UniqueConstraint('contract_id', name=op.f('uq_report_schedules_contract_id'))
    )
    with op.batch_alter_table('report_schedules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_schedules_agency_id'), ['agency_id'], unique=False)

    op.create_table('clock_alarms',
    sa.Column('ticket_id', sa.String(length=36), nullable=False),
    sa.Column('agency_id', sa.String(length=36), nullable=False),
    sa.Column('metric', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('due_at', fleet.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_clock_alarms_agency_id_agencies')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_clock_alarms_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('ticket_id', 'metric', 'kind', name=op.f('pk_clock_alarms')),
    )
    with op.batch_alter_table('clock_alarms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clock_alarms_due_at'), ['due_at'], unique=False)

    op.create_table('notifications',
    sa.Column('agency_id', sa.String(length=36), nullable=True),
    sa.Column('contract_id', sa.String(length=36), nullable=True),
    sa.Column('ticket_id', sa.String(length=36), nullable=True),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('occurred_at', fleet.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', fleet.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_notifications_agency_id_agencies')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_notifications_contract_id_contracts')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_notifications_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_notifications_dedupe_key'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('notification_deliveries',
    sa.Column('notification_id', sa.String(length=36), nullable=False),
    sa.Column('agency_id', sa.String(length=36), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('target', sa.String(length=320), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', fleet.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('delivered_at', fleet.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sa.String(length=80), nullable=True),
    sa.Column('claimed_until', fleet.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', fleet.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_notification_deliveries_agency_id_agencies')),
    sa.ForeignKeyConstraint(['notification_id'], ['notifications.id'], name=op.f('fk_notification_deliveries_notification_id_notifications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_deliveries'))
    )
    with op.batch_alter_table('notification_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_deliveries_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index('ix_notification_deliveries_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_deliveries_notification_id'), ['notification_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_deliveries_target'), ['target'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('notification_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_deliveries_target'))
        batch_op.drop_index(batch_op.f('ix_notification_deliveries_notification_id'))
        batch_op.drop_index('ix_notification_deliveries_due')
        batch_op.drop_index(batch_op.f('ix_notification_deliveries_agency_id'))

    op.drop_table('notification_deliveries')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_notifications_contract_id'))
        batch_op.drop_index(batch_op.f('ix_notifications_agency_id'))

    op.drop_table('notifications')
    with op.batch_alter_table('clock_alarms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clock_alarms_due_at'))

    op.drop_table('clock_alarms')
    with op.batch_alter_table('report_schedules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_schedules_agency_id'))

    op.drop_table('report_schedules')
    with op.batch_alter_table('notification_rules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_rules_agency_id'))

    op.drop_table('notification_rules')
    with op.batch_alter_table('webhooks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhooks_agency_id'))

    op.drop_table('webhooks')
    with op.batch_alter_table('notification_contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_contacts_username'))
        batch_op.drop_index(batch_op.f('ix_notification_contacts_agency_id'))

    op.drop_table('notification_contacts')
