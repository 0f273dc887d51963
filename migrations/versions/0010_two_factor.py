"""two-factor sign-in: TOTP secret and last used step per user, one-time recovery codes

The secret is stored encrypted (a Fernet token under a key derived from SECRET_KEY) and is
pending until totp_enabled_at is set. Recovery codes are stored as SHA-256 hashes.

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE, not batch mode: both databases add and drop nullable columns in place,
    # and a batch copy of user_account on SQLite would lose its lower(email) unique index, which
    # SQLAlchemy cannot reflect.
    op.add_column('user_account', sa.Column('totp_secret', sa.String(length=255), nullable=True))
    op.add_column('user_account', sa.Column('totp_enabled_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('user_account', sa.Column('totp_last_step', sa.Integer(), nullable=True))

    op.create_table('recovery_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_recovery_code_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_code')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_recovery_code_code_hash'))
    )
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_code_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_code_user_id'))
    op.drop_table('recovery_code')

    op.drop_column('user_account', 'totp_last_step')
    op.drop_column('user_account', 'totp_enabled_at')
    op.drop_column('user_account', 'totp_secret')
