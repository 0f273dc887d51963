"""user_account.locale: the language a person chose in Account Settings (NULL follows the browser)

A nullable column without a default: no table rebuild on SQLite, so the frame-version triggers of
0012 on user_account stay as they are.

Revision ID: 0015
Revises: 0014
"""
from alembic import op
import sqlalchemy as sa

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('user_account', sa.Column('locale', sa.String(length=8), nullable=True))


def downgrade():
    # A plain DROP COLUMN on both databases (SQLite 3.35+): a batch rebuild of user_account would
    # trip over 0012's triggers on administrator, which name the table.
    op.drop_column('user_account', 'locale')
