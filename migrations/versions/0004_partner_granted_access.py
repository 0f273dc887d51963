"""access granted through a connection, invitations to join, customer contact details

Administrators added by a partner (Add a customer) record the connection that granted them,
so ending the connection ends that access. Existing users are invited to become
administrators instead of being added without their consent. The phone and country given in
Add a customer are kept.

Existing partner administrators of customers the partner added are linked to that connection
(the partner's user who created it), so the rule holds for data made before this revision.

Revision ID: 0004
Revises: 0003
"""
import secrets
import warnings

from alembic import op
import sqlalchemy as sa

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    # SQLite rebuilds the table to add a foreign key; reflecting the user table on the way warns
    # that its lower(email) index can't be reflected. That index is not on this table and is
    # left alone, so the warning says nothing here.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
        with op.batch_alter_table('administrator', schema=None) as batch_op:
            batch_op.add_column(sa.Column('via_connection_id', sa.Integer(), nullable=True))
            batch_op.create_foreign_key(batch_op.f('fk_administrator_via_connection_id_connection'), 'connection',
                                        ['via_connection_id'], ['id'], ondelete='CASCADE')
            batch_op.create_index(batch_op.f('ix_administrator_via_connection_id'), ['via_connection_id'],
                                  unique=False)

    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_phone', sa.String(length=30), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('country', sa.String(length=60), nullable=False, server_default=''))
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.alter_column('contact_phone', server_default=None)
        batch_op.alter_column('country', server_default=None)

    op.create_table('administrator_invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('access', sa.Enum('full', 'custom', name='invitation_access', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('permissions', sa.String(length=400), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('via_connection_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['invited_by_id'], ['user_account.id'], name=op.f('fk_administrator_invitation_invited_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_administrator_invitation_organization_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_administrator_invitation_user_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['via_connection_id'], ['connection.id'], name=op.f('fk_administrator_invitation_via_connection_id_connection'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_administrator_invitation')),
    sa.UniqueConstraint('organization_id', 'user_id', name='uq_administrator_invitation_org_user')
    )
    with op.batch_alter_table('administrator_invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_administrator_invitation_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_administrator_invitation_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_administrator_invitation_via_connection_id'), ['via_connection_id'],
                              unique=False)

    # Link the partner administrators that Add a customer created before this revision: the
    # creator of an 'added' connection administers the customer with access granted by it.
    op.execute("""
        UPDATE administrator SET via_connection_id = (
            SELECT c.id FROM connection c
            WHERE c.customer_id = administrator.organization_id
              AND c.created_by_id = administrator.user_id
              AND c.method = 'added'
            ORDER BY c.id DESC LIMIT 1)
        WHERE EXISTS (
            SELECT 1 FROM connection c
            WHERE c.customer_id = administrator.organization_id
              AND c.created_by_id = administrator.user_id
              AND c.method = 'added')
    """)
    # Grants whose connection already ended should have ended with it.
    op.execute("""
        DELETE FROM administrator WHERE via_connection_id IN (
            SELECT id FROM connection WHERE ended_at IS NOT NULL)
    """)

    # Every badged organization gets its invitation link now, so showing the link never writes
    # (it used to be created on the first visit of the Invite page, a write on GET).
    bind = op.get_bind()
    missing = bind.execute(sa.text("""
        SELECT id FROM organization o WHERE invitation_token IS NULL
          AND EXISTS (SELECT 1 FROM program_membership m WHERE m.organization_id = o.id)
    """)).scalars().all()
    for org_id in missing:
        bind.execute(sa.text("UPDATE organization SET invitation_token = :token WHERE id = :id"),
                     {"token": secrets.token_urlsafe(32), "id": org_id})


def downgrade():
    with op.batch_alter_table('administrator_invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_administrator_invitation_via_connection_id'))
        batch_op.drop_index(batch_op.f('ix_administrator_invitation_user_id'))
        batch_op.drop_index(batch_op.f('ix_administrator_invitation_organization_id'))
    op.drop_table('administrator_invitation')
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.drop_column('country')
        batch_op.drop_column('contact_phone')
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
        with op.batch_alter_table('administrator', schema=None) as batch_op:
            batch_op.drop_index(batch_op.f('ix_administrator_via_connection_id'))
            batch_op.drop_constraint(batch_op.f('fk_administrator_via_connection_id_connection'), type_='foreignkey')
            batch_op.drop_column('via_connection_id')
