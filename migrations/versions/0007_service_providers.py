"""service providers

Resource locations, identity domains and their directory users, workspaces and the domains
customers are added to, published apps and desktops, workspace themes.

New tables only; nothing existing changes, so the upgrade keeps every row and the downgrade
drops only what this revision made.

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def _org_fk(table: str, column: str, ondelete: str = 'CASCADE') -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ['organization.id'], name=op.f(f'fk_{table}_{column}_organization'),
                                   ondelete=ondelete)


def _user_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ['user_account.id'], name=op.f(f'fk_{table}_{column}_user_account'),
                                   ondelete='SET NULL')


def upgrade():
    op.create_table('resource_location',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    _org_fk('resource_location', 'organization_id'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resource_location'))
    )
    with op.batch_alter_table('resource_location', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resource_location_organization_id'), ['organization_id'], unique=False)

    op.create_table('identity_domain',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('resource_location_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=253), nullable=False),
    _org_fk('identity_domain', 'organization_id'),
    sa.ForeignKeyConstraint(['resource_location_id'], ['resource_location.id'],
                            name=op.f('fk_identity_domain_resource_location_id_resource_location'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_domain')),
    sa.UniqueConstraint('name', name=op.f('uq_identity_domain_name'))
    )
    with op.batch_alter_table('identity_domain', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_identity_domain_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_identity_domain_resource_location_id'), ['resource_location_id'],
                              unique=False)

    op.create_table('directory_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('domain_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('sign_in_name', sa.String(length=254), nullable=False),
    sa.Column('display_name', sa.String(length=120), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    _org_fk('directory_user', 'customer_id'),
    sa.ForeignKeyConstraint(['domain_id'], ['identity_domain.id'], name=op.f('fk_directory_user_domain_id_identity_domain'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_user')),
    sa.UniqueConstraint('sign_in_name', name=op.f('uq_directory_user_sign_in_name'))
    )
    with op.batch_alter_table('directory_user', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_directory_user_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_directory_user_domain_id'), ['domain_id'], unique=False)

    op.create_table('workspace',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('slug', sa.String(length=63), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    _user_fk('workspace', 'created_by_id'),
    _org_fk('workspace', 'customer_id'),
    _org_fk('workspace', 'provider_id'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workspace')),
    sa.UniqueConstraint('provider_id', 'customer_id', name='uq_workspace_provider_customer'),
    sa.UniqueConstraint('slug', name=op.f('uq_workspace_slug'))
    )
    # One shared workspace (no customer) per provider.
    with op.batch_alter_table('workspace', schema=None) as batch_op:
        batch_op.create_index('uq_workspace_shared', ['provider_id'], unique=True,
                              sqlite_where=sa.text('customer_id IS NULL'), postgresql_where=sa.text('customer_id IS NULL'))

    op.create_table('workspace_domain',
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('domain_id', sa.Integer(), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    _user_fk('workspace_domain', 'added_by_id'),
    sa.ForeignKeyConstraint(['domain_id'], ['identity_domain.id'], name=op.f('fk_workspace_domain_domain_id_identity_domain'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], name=op.f('fk_workspace_domain_workspace_id_workspace'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workspace_id', 'domain_id', name=op.f('pk_workspace_domain'))
    )
    with op.batch_alter_table('workspace_domain', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workspace_domain_domain_id'), ['domain_id'], unique=False)

    op.create_table('published_resource',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resource_location_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.Enum('app', 'desktop', name='resource_kind', native_enum=False, create_constraint=True),
              nullable=False),
    _org_fk('published_resource', 'customer_id'),
    sa.ForeignKeyConstraint(['resource_location_id'], ['resource_location.id'],
                            name=op.f('fk_published_resource_resource_location_id_resource_location'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_published_resource'))
    )
    with op.batch_alter_table('published_resource', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_published_resource_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_published_resource_resource_location_id'), ['resource_location_id'],
                              unique=False)

    op.create_table('workspace_theme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('banner_color', sa.String(length=7), nullable=False),
    sa.Column('banner_text_color', sa.String(length=7), nullable=False),
    sa.Column('icon_color', sa.String(length=7), nullable=False),
    sa.Column('accent_color', sa.String(length=7), nullable=False),
    sa.Column('logo', sa.String(length=40), nullable=True),
    sa.Column('sign_in_logo', sa.String(length=40), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    _org_fk('workspace_theme', 'customer_id'),
    _org_fk('workspace_theme', 'provider_id'),
    _user_fk('workspace_theme', 'updated_by_id'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workspace_theme')),
    sa.UniqueConstraint('provider_id', 'customer_id', name='uq_workspace_theme_provider_customer')
    )


def downgrade():
    # Logo files under instance/workspace-logos are left in place: a downgrade never deletes files.
    op.drop_table('workspace_theme')
    with op.batch_alter_table('published_resource', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_published_resource_resource_location_id'))
        batch_op.drop_index(batch_op.f('ix_published_resource_customer_id'))
    op.drop_table('published_resource')
    with op.batch_alter_table('workspace_domain', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workspace_domain_domain_id'))
    op.drop_table('workspace_domain')
    with op.batch_alter_table('workspace', schema=None) as batch_op:
        batch_op.drop_index('uq_workspace_shared', sqlite_where=sa.text('customer_id IS NULL'),
                            postgresql_where=sa.text('customer_id IS NULL'))
    op.drop_table('workspace')
    with op.batch_alter_table('directory_user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_directory_user_domain_id'))
        batch_op.drop_index(batch_op.f('ix_directory_user_customer_id'))
    op.drop_table('directory_user')
    with op.batch_alter_table('identity_domain', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_identity_domain_resource_location_id'))
        batch_op.drop_index(batch_op.f('ix_identity_domain_organization_id'))
    op.drop_table('identity_domain')
    with op.batch_alter_table('resource_location', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_resource_location_organization_id'))
    op.drop_table('resource_location')
