"""notification.message: the portal's own notification text as a message id with its values
(notifications/messages.py), rendered in each reader's language; NULL for text stored as written

A nullable column: no table rebuild on SQLite.

Revision ID: 0016
Revises: 0015
"""
from alembic import op
import sqlalchemy as sa

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('notification', sa.Column('message', sa.JSON(), nullable=True))


def downgrade():
    op.drop_column('notification', 'message')
