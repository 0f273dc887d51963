"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-27 19:05:43.615323

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('organization',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('orgid', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('tenancy', sa.Enum('single-tenant', 'multi-tenant', name='tenancy', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('is_primary_cloud_account', sa.Boolean(), nullable=False),
    sa.Column('invitation_token', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organization')),
    sa.UniqueConstraint('invitation_token', name=op.f('uq_organization_invitation_token')),
    sa.UniqueConstraint('orgid', name=op.f('uq_organization_orgid'))
    )
    op.create_table('service',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('unit', sa.String(length=40), nullable=False),
    sa.Column('is_bandwidth', sa.Boolean(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_service'))
    )
    op.create_table('user_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('session_version', sa.Integer(), nullable=False),
    sa.Column('is_operator', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_account'))
    )
    # Emails are unique whatever their case (autogenerate can't see expression indexes).
    op.create_index('uq_user_account_email_lower', 'user_account', [sa.text('lower(email)')], unique=True)
    op.create_table('administrator',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('access', sa.Enum('full', 'custom', name='access', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('permissions', sa.String(length=400), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['added_by_id'], ['user_account.id'], name=op.f('fk_administrator_added_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_administrator_organization_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_administrator_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_administrator')),
    sa.UniqueConstraint('user_id', 'organization_id', name='uq_administrator_user_org')
    )
    with op.batch_alter_table('administrator', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_administrator_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_administrator_user_id'), ['user_id'], unique=False)

    op.create_table('connection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.Enum('invitation', 'added', name='connection_method', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_by_id', sa.Integer(), nullable=True),
    sa.Column('ended_by_side', sa.Enum('partner', 'customer', name='connection_side', native_enum=False, create_constraint=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_connection_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['customer_id'], ['organization.id'], name=op.f('fk_connection_customer_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ended_by_id'], ['user_account.id'], name=op.f('fk_connection_ended_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['partner_id'], ['organization.id'], name=op.f('fk_connection_partner_id_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_connection'))
    )
    with op.batch_alter_table('connection', schema=None) as batch_op:
        batch_op.create_index('ix_connection_customer_active', ['customer_id'], unique=False, sqlite_where=sa.text('ended_at IS NULL'), postgresql_where=sa.text('ended_at IS NULL'))
        batch_op.create_index(batch_op.f('ix_connection_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index('uq_connection_active_pair', ['partner_id', 'customer_id'], unique=True, sqlite_where=sa.text('ended_at IS NULL'), postgresql_where=sa.text('ended_at IS NULL'))

    op.create_table('entitlement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('service_code', sa.String(length=40), nullable=False),
    sa.Column('is_trial', sa.Boolean(), nullable=False),
    sa.Column('license_count', sa.Integer(), nullable=False),
    sa.Column('term', sa.Enum('monthly', 'annual', 'termed', name='term', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('commit_model', sa.Enum('fixed', 'monthly-commit', name='commit_model', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('licenses_assigned', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_entitlement_organization_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_code'], ['service.code'], name=op.f('fk_entitlement_service_code_service')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_entitlement'))
    )
    with op.batch_alter_table('entitlement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_entitlement_organization_id'), ['organization_id'], unique=False)

    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('severity', sa.Enum('info', 'warning', 'critical', name='severity', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_notification_organization_id_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index('ix_notification_org_unread', ['organization_id', 'read_at'], unique=False)

    op.create_table('program_membership',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('program', sa.Enum('solution-advisor', 'service-provider', name='program', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('status', sa.Enum('active', 'lapsed', name='membership_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('since', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_program_membership_organization_id_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_program_membership')),
    sa.UniqueConstraint('organization_id', 'program', name='uq_program_membership_org_program')
    )
    with op.batch_alter_table('program_membership', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_program_membership_organization_id'), ['organization_id'], unique=False)

    op.create_table('purchase_order',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('ordered_on', sa.Date(), nullable=False),
    sa.Column('service_code', sa.String(length=40), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('term', sa.Enum('monthly', 'annual', 'termed', name='order_term', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('placed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_purchase_order_organization_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['placed_by_id'], ['organization.id'], name=op.f('fk_purchase_order_placed_by_id_organization'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['service_code'], ['service.code'], name=op.f('fk_purchase_order_service_code_service')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_order')),
    sa.UniqueConstraint('number', name=op.f('uq_purchase_order_number'))
    )
    with op.batch_alter_table('purchase_order', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_purchase_order_organization_id'), ['organization_id'], unique=False)

    op.create_table('support_ticket',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('status', sa.Enum('open', 'closed', name='ticket_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_support_ticket_organization_id_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support_ticket'))
    )
    with op.batch_alter_table('support_ticket', schema=None) as batch_op:
        batch_op.create_index('ix_support_ticket_org_open', ['organization_id'], unique=False, sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))
        batch_op.create_index(batch_op.f('ix_support_ticket_organization_id'), ['organization_id'], unique=False)

    op.create_table('license_assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entitlement_id', sa.Integer(), nullable=False),
    sa.Column('holder', sa.String(length=254), nullable=False),
    sa.Column('assigned_on', sa.Date(), nullable=False),
    sa.Column('last_active', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['entitlement_id'], ['entitlement.id'], name=op.f('fk_license_assignment_entitlement_id_entitlement'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_license_assignment')),
    sa.UniqueConstraint('entitlement_id', 'holder', name='uq_license_assignment_holder')
    )
    with op.batch_alter_table('license_assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_license_assignment_entitlement_id'), ['entitlement_id'], unique=False)

    op.create_table('notification_dismissal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notification_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('dismissed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['notification_id'], ['notification.id'], name=op.f('fk_notification_dismissal_notification_id_notification'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partner_id'], ['organization.id'], name=op.f('fk_notification_dismissal_partner_id_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_dismissal')),
    sa.UniqueConstraint('notification_id', 'partner_id', name='uq_dismissal_notification_partner')
    )
    with op.batch_alter_table('notification_dismissal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_dismissal_partner_id'), ['partner_id'], unique=False)

    op.create_table('usage_day',
    sa.Column('entitlement_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('assigned', sa.Integer(), nullable=False),
    sa.Column('newly_assigned', sa.Integer(), nullable=False),
    sa.Column('daily_active', sa.Integer(), nullable=False),
    sa.Column('monthly_active', sa.Integer(), nullable=False),
    sa.Column('peak_concurrent', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['entitlement_id'], ['entitlement.id'], name=op.f('fk_usage_day_entitlement_id_entitlement'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('entitlement_id', 'day', name=op.f('pk_usage_day'))
    )


def downgrade():
    op.drop_table('usage_day')
    with op.batch_alter_table('notification_dismissal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_dismissal_partner_id'))

    op.drop_table('notification_dismissal')
    with op.batch_alter_table('license_assignment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_license_assignment_entitlement_id'))

    op.drop_table('license_assignment')
    with op.batch_alter_table('support_ticket', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_support_ticket_organization_id'))
        batch_op.drop_index('ix_support_ticket_org_open', sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))

    op.drop_table('support_ticket')
    with op.batch_alter_table('purchase_order', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_purchase_order_organization_id'))

    op.drop_table('purchase_order')
    with op.batch_alter_table('program_membership', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_program_membership_organization_id'))

    op.drop_table('program_membership')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_org_unread')

    op.drop_table('notification')
    with op.batch_alter_table('entitlement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_entitlement_organization_id'))

    op.drop_table('entitlement')
    with op.batch_alter_table('connection', schema=None) as batch_op:
        batch_op.drop_index('uq_connection_active_pair', sqlite_where=sa.text('ended_at IS NULL'), postgresql_where=sa.text('ended_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_connection_partner_id'))
        batch_op.drop_index('ix_connection_customer_active', sqlite_where=sa.text('ended_at IS NULL'), postgresql_where=sa.text('ended_at IS NULL'))

    op.drop_table('connection')
    with op.batch_alter_table('administrator', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_administrator_user_id'))
        batch_op.drop_index(batch_op.f('ix_administrator_organization_id'))

    op.drop_table('administrator')
    op.drop_index('uq_user_account_email_lower', table_name='user_account')
    op.drop_table('user_account')
    op.drop_table('service')
    op.drop_table('organization')
