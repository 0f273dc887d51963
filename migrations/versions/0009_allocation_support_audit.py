"""license allocation, Partner Support Center requests, the activity log, uploaded usage imports

- purchase_order.multi_tenant marks a partner's purchases for its multi-tenant customers (to be
  allocated to its primary cloud account); existing orders are customers' own (false).
- allocation: quantity of a product moved to a cloud account, processing -> completed / failed.
- support_request: a partner's request to customer service (OrgID creation, license allocation
  for a single-tenant customer, general), resolved or declined once.
- activity_entry: the append-only activity log per organization.
- usage_import: CSV files operators uploaded, and the report of their import.

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('purchase_order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('multi_tenant', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('purchase_order', schema=None) as batch_op:
        batch_op.alter_column('multi_tenant', server_default=None)

    op.create_table('support_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('issue_type', sa.Enum('orgid-creation', 'license-allocation', 'general', name='issue_type',
                                    native_enum=False, create_constraint=True, length=18), nullable=False),
    sa.Column('status', sa.Enum('open', 'resolved', 'declined', name='request_status', native_enum=False,
                                create_constraint=True, length=8), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('company', sa.String(length=120), nullable=False),
    sa.Column('contact_name', sa.String(length=120), nullable=False),
    sa.Column('contact_email', sa.String(length=254), nullable=False),
    sa.Column('country', sa.String(length=60), nullable=False),
    sa.Column('service_code', sa.String(length=40), nullable=True),
    sa.Column('quantity', sa.Integer(), nullable=True),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolution_note', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['organization.id'],
                            name=op.f('fk_support_request_customer_id_organization'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['partner_id'], ['organization.id'],
                            name=op.f('fk_support_request_partner_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['user_account.id'],
                            name=op.f('fk_support_request_resolved_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['service_code'], ['service.code'],
                            name=op.f('fk_support_request_service_code_service')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['user_account.id'],
                            name=op.f('fk_support_request_submitted_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support_request'))
    )
    with op.batch_alter_table('support_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_support_request_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index('ix_support_request_status_submitted', ['status', 'submitted_at'], unique=False)

    op.create_table('allocation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('service_code', sa.String(length=40), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('processing', 'completed', 'failed', name='allocation_status', native_enum=False,
                                create_constraint=True, length=10), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failure_reason', sa.String(length=500), nullable=False),
    sa.Column('support_request_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['organization.id'],
                            name=op.f('fk_allocation_account_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partner_id'], ['organization.id'],
                            name=op.f('fk_allocation_partner_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'],
                            name=op.f('fk_allocation_requested_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['service_code'], ['service.code'], name=op.f('fk_allocation_service_code_service')),
    sa.ForeignKeyConstraint(['support_request_id'], ['support_request.id'],
                            name=op.f('fk_allocation_support_request_id_support_request'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_allocation'))
    )
    with op.batch_alter_table('allocation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_allocation_account_id'), ['account_id'], unique=False)
        batch_op.create_index('ix_allocation_partner_service', ['partner_id', 'service_code'], unique=False)

    op.create_table('activity_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.Enum('allocation', 'support-request', 'membership', 'connection', 'administrator',
                              name='activity_kind', native_enum=False, create_constraint=True, length=15),
              nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=254), nullable=False),
    sa.Column('target', sa.String(length=254), nullable=False),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'],
                            name=op.f('fk_activity_entry_actor_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'],
                            name=op.f('fk_activity_entry_organization_id_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_entry'))
    )
    with op.batch_alter_table('activity_entry', schema=None) as batch_op:
        batch_op.create_index('ix_activity_entry_org_time', ['organization_id', 'occurred_at'], unique=False)
        batch_op.create_index('ix_activity_entry_occurred_at', ['occurred_at'], unique=False)

    op.create_table('usage_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('partial', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('queued', 'running', 'imported', 'refused', name='import_status',
                                native_enum=False, create_constraint=True, length=8), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rows_read', sa.Integer(), nullable=False),
    sa.Column('rows_imported', sa.Integer(), nullable=False),
    sa.Column('rows_rejected', sa.Integer(), nullable=False),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('rejected', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'],
                            name=op.f('fk_usage_import_uploaded_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_usage_import')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_usage_import_stored_name'))
    )


def downgrade():
    op.drop_table('usage_import')
    with op.batch_alter_table('activity_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_activity_entry_occurred_at')
        batch_op.drop_index('ix_activity_entry_org_time')
    op.drop_table('activity_entry')
    with op.batch_alter_table('allocation', schema=None) as batch_op:
        batch_op.drop_index('ix_allocation_partner_service')
        batch_op.drop_index(batch_op.f('ix_allocation_account_id'))
    op.drop_table('allocation')
    with op.batch_alter_table('support_request', schema=None) as batch_op:
        batch_op.drop_index('ix_support_request_status_submitted')
        batch_op.drop_index(batch_op.f('ix_support_request_partner_id'))
    op.drop_table('support_request')
    with op.batch_alter_table('purchase_order', schema=None) as batch_op:
        batch_op.drop_column('multi_tenant')
