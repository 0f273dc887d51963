"""insights: expiry calendar feeds per administrator, partner-private customer tags, and the
customer's sharing scopes per connection (all on by default, as before)

Adding the three columns to connection needs no table rebuild (constant defaults), and none of
administrator, organization or program_membership is rebuilt, so the frame-version triggers of
0012 are untouched.

Revision ID: 0014
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

SCOPES = ('share_licensing', 'share_notifications', 'share_tickets')


def upgrade():
    op.create_table('calendar_feed',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('administrator_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['administrator_id'], ['administrator.id'], name=op.f('fk_calendar_feed_administrator_id_administrator'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_feed')),
    sa.UniqueConstraint('administrator_id', name=op.f('uq_calendar_feed_administrator_id')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_feed_token_hash'))
    )
    op.create_table('customer_tag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['organization.id'], name=op.f('fk_customer_tag_customer_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partner_id'], ['organization.id'], name=op.f('fk_customer_tag_partner_id_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_tag')),
    sa.UniqueConstraint('partner_id', 'customer_id', 'label', name='uq_customer_tag')
    )
    op.create_index('ix_customer_tag_partner_label', 'customer_tag', ['partner_id', 'label'], unique=False)
    op.create_index(op.f('ix_customer_tag_customer_id'), 'customer_tag', ['customer_id'], unique=False)
    for column in SCOPES:
        op.add_column('connection', sa.Column(column, sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade():
    # A plain DROP COLUMN (SQLite 3.35+), not a batch rebuild: a rebuild would have to re-create
    # connection's partial unique index by hand.
    for column in SCOPES:
        op.drop_column('connection', column)
    op.drop_index(op.f('ix_customer_tag_customer_id'), table_name='customer_tag')
    op.drop_index('ix_customer_tag_partner_label', table_name='customer_tag')
    op.drop_table('customer_tag')
    op.drop_table('calendar_feed')
