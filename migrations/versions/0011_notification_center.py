"""notification center: per-administrator read and dismissed state, partner triage, email
opt-ins, notification sources and links, support ticket details

Read and dismissed become per administrator (notification_state); the organization-wide
`read_at` and the per-partner-organization `notification_dismissal` table go. Their data moves
so that nobody's view changes at the upgrade:

- a notification its organization had read stays read for every administrator of that
  organization, and for every administrator of a partner connected to it now (the dashboard
  counted `read_at IS NULL`, so those partners saw it as read too);
- a partner organization's dismissal becomes a dismissal (and read) by each of its
  administrators.

Every existing notification was written by a connection event (the only source before this
revision) and counts as already emailed, so turning on email copies sends nothing old.

Revision ID: 0011
Revises: 0010
"""
import warnings

from alembic import op
import sqlalchemy as sa

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

SOURCES = ('connection', 'trial-ending', 'entitlement-expiring', 'over-assigned', 'announcement', 'service',
           'assignment')
NOT_EMAILED = sa.text('emailed_at IS NULL')
HAS_RECIPIENT = sa.text('recipient_id IS NOT NULL')
# SQLite rebuilds a table to add a foreign key; reflecting user_account on the way warns that its
# lower(email) index can't be reflected. That index is not on the rebuilt tables and is left alone.
QUIET_REFLECTION = ("ignore", "Skipped unsupported reflection of expression-based index")


def upgrade():
    with warnings.catch_warnings():
        warnings.filterwarnings(*QUIET_REFLECTION)
        _upgrade()


def downgrade():
    with warnings.catch_warnings():
        warnings.filterwarnings(*QUIET_REFLECTION)
        _downgrade()


def _upgrade():
    op.create_table('notification_state',
    sa.Column('administrator_id', sa.Integer(), nullable=False),
    sa.Column('notification_id', sa.Integer(), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('dismissed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['administrator_id'], ['administrator.id'], name=op.f('fk_notification_state_administrator_id_administrator'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['notification_id'], ['notification.id'], name=op.f('fk_notification_state_notification_id_notification'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('administrator_id', 'notification_id', name=op.f('pk_notification_state'))
    )
    with op.batch_alter_table('notification_state', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_state_notification_id'), ['notification_id'], unique=False)

    # Dismissals first (dismissed implies read), then reads where no row exists yet.
    op.execute("""
        INSERT INTO notification_state (administrator_id, notification_id, read_at, dismissed_at)
        SELECT a.id, d.notification_id, d.dismissed_at, d.dismissed_at
        FROM notification_dismissal d JOIN administrator a ON a.organization_id = d.partner_id
    """)
    not_yet = """NOT EXISTS (SELECT 1 FROM notification_state s
                             WHERE s.notification_id = n.id AND s.administrator_id = a.id)"""
    op.execute(f"""
        INSERT INTO notification_state (administrator_id, notification_id, read_at, dismissed_at)
        SELECT a.id, n.id, n.read_at, NULL
        FROM notification n JOIN administrator a ON a.organization_id = n.organization_id
        WHERE n.read_at IS NOT NULL AND {not_yet}
    """)
    op.execute(f"""
        INSERT INTO notification_state (administrator_id, notification_id, read_at, dismissed_at)
        SELECT a.id, n.id, n.read_at, NULL
        FROM notification n
        JOIN connection c ON c.customer_id = n.organization_id AND c.ended_at IS NULL
        JOIN administrator a ON a.organization_id = c.partner_id
        WHERE n.read_at IS NOT NULL AND {not_yet}
    """)

    with op.batch_alter_table('notification_dismissal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_dismissal_partner_id'))
    op.drop_table('notification_dismissal')

    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('link', sa.String(length=500), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('source', sa.Enum(*SOURCES, name='notification_source', native_enum=False,
                                                        create_constraint=True),
                                      nullable=False, server_default='connection'))
        batch_op.add_column(sa.Column('broadcast', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('recipient_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('dedupe_key', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('emailed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_notification_recipient_id_administrator'), 'administrator',
                                    ['recipient_id'], ['id'], ondelete='CASCADE')
        batch_op.create_unique_constraint(batch_op.f('uq_notification_dedupe_key'), ['dedupe_key'])
        batch_op.drop_index('ix_notification_org_unread')
        batch_op.drop_column('read_at')
    op.execute("UPDATE notification SET emailed_at = created_at")
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.alter_column('link', server_default=None)
        batch_op.alter_column('source', server_default=None)
        batch_op.alter_column('broadcast', server_default=None)
        batch_op.create_index('ix_notification_org_created', ['organization_id', 'created_at'], unique=False)
        batch_op.create_index('ix_notification_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_notification_not_emailed', ['created_at'], unique=False,
                              sqlite_where=NOT_EMAILED, postgresql_where=NOT_EMAILED)
        batch_op.create_index('ix_notification_recipient', ['recipient_id'], unique=False,
                              sqlite_where=HAS_RECIPIENT, postgresql_where=HAS_RECIPIENT)

    op.create_table('notification_triage',
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('notification_id', sa.Integer(), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('assigned_by_id', sa.Integer(), nullable=True),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('snoozed_until', sa.Date(), nullable=True),
    sa.Column('snooze_reason', sa.String(length=200), nullable=False),
    sa.Column('snoozed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['user_account.id'], name=op.f('fk_notification_triage_assigned_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['assignee_id'], ['administrator.id'], name=op.f('fk_notification_triage_assignee_id_administrator'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['notification_id'], ['notification.id'], name=op.f('fk_notification_triage_notification_id_notification'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partner_id'], ['organization.id'], name=op.f('fk_notification_triage_partner_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['snoozed_by_id'], ['user_account.id'], name=op.f('fk_notification_triage_snoozed_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('partner_id', 'notification_id', name=op.f('pk_notification_triage'))
    )
    with op.batch_alter_table('notification_triage', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_triage_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_triage_notification_id'), ['notification_id'], unique=False)

    op.create_table('notification_subscription',
    sa.Column('administrator_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.Enum(*SOURCES, name='subscription_source', native_enum=False, create_constraint=True), nullable=False),
    sa.ForeignKeyConstraint(['administrator_id'], ['administrator.id'], name=op.f('fk_notification_subscription_administrator_id_administrator'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('administrator_id', 'source', name=op.f('pk_notification_subscription'))
    )

    with op.batch_alter_table('support_ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('description', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('severity', sa.Enum('low', 'normal', 'high', 'urgent', name='ticket_severity',
                                                          native_enum=False, create_constraint=True),
                                      nullable=False, server_default='normal'))
        batch_op.add_column(sa.Column('opened_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('closed_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_support_ticket_opened_by_id_user_account'), 'user_account',
                                    ['opened_by_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_support_ticket_closed_by_id_user_account'), 'user_account',
                                    ['closed_by_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('support_ticket', schema=None) as batch_op:
        batch_op.alter_column('description', server_default=None)
        batch_op.alter_column('severity', server_default=None)


def _downgrade():
    with op.batch_alter_table('support_ticket', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_support_ticket_closed_by_id_user_account'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_support_ticket_opened_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('closed_by_id')
        batch_op.drop_column('opened_by_id')
        batch_op.drop_constraint(batch_op.f('ck_support_ticket_ticket_severity'), type_='check')
        batch_op.drop_column('severity')
        batch_op.drop_column('description')

    op.drop_table('notification_subscription')
    with op.batch_alter_table('notification_triage', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_triage_notification_id'))
        batch_op.drop_index(batch_op.f('ix_notification_triage_assignee_id'))
    op.drop_table('notification_triage')

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
    # A partner organization dismissed what any of its administrators dismissed in its center.
    op.execute("""
        INSERT INTO notification_dismissal (notification_id, partner_id, dismissed_at)
        SELECT s.notification_id, a.organization_id, MIN(s.dismissed_at)
        FROM notification_state s
        JOIN administrator a ON a.id = s.administrator_id
        JOIN notification n ON n.id = s.notification_id
        WHERE s.dismissed_at IS NOT NULL AND a.organization_id <> n.organization_id
        GROUP BY s.notification_id, a.organization_id
    """)

    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('read_at', sa.DateTime(timezone=True), nullable=True))
    # The organization read it when its first administrator did; messages to one administrator
    # (triage assignments) did not exist before and go.
    op.execute("""
        UPDATE notification SET read_at = (
            SELECT MIN(s.read_at) FROM notification_state s
            JOIN administrator a ON a.id = s.administrator_id
            WHERE s.notification_id = notification.id AND a.organization_id = notification.organization_id)
    """)
    op.execute("DELETE FROM notification WHERE recipient_id IS NOT NULL")
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_recipient', sqlite_where=HAS_RECIPIENT, postgresql_where=HAS_RECIPIENT)
        batch_op.drop_index('ix_notification_not_emailed', sqlite_where=NOT_EMAILED, postgresql_where=NOT_EMAILED)
        batch_op.drop_index('ix_notification_created_at')
        batch_op.drop_index('ix_notification_org_created')
        batch_op.drop_constraint(batch_op.f('uq_notification_dedupe_key'), type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_notification_recipient_id_administrator'), type_='foreignkey')
        batch_op.drop_column('emailed_at')
        batch_op.drop_column('dedupe_key')
        batch_op.drop_column('recipient_id')
        batch_op.drop_column('broadcast')
        batch_op.drop_constraint(batch_op.f('ck_notification_notification_source'), type_='check')
        batch_op.drop_column('source')
        batch_op.drop_column('link')
        batch_op.create_index('ix_notification_org_unread', ['organization_id', 'read_at'], unique=False)

    with op.batch_alter_table('notification_state', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_state_notification_id'))
    op.drop_table('notification_state')
