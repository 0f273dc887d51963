"""Gateway bandwidth per entitlement, day and source; Gateway entitlements count users

bandwidth_day holds the megabytes one bandwidth entitlement consumed on one day from one
source: the cloud service (empty site) or an on-premises site. Rows are kept in key order like
usage_day (0003): WITHOUT ROWID on SQLite, the primary key carrying the figure on PostgreSQL.

The Gateway service's unit was "GB", which made its license count read as gigabytes. Its
entitlements count users; each user brings a bandwidth allotment (docs/bandwidth.md).

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

service = sa.table("service", sa.column("code", sa.String), sa.column("unit", sa.String))


def upgrade():
    op.create_table(
        'bandwidth_day',
        sa.Column('entitlement_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('source', sa.Enum('cloud', 'on-premises', name='bandwidth_source', native_enum=False,
                                    create_constraint=True), nullable=False),
        sa.Column('site', sa.String(length=64), nullable=False),
        sa.Column('megabytes', sa.Integer(), nullable=False),
        sa.CheckConstraint("(source = 'cloud' AND site = '') OR (source = 'on-premises' AND site <> '')",
                           name=op.f('ck_bandwidth_day_site')),
        sa.ForeignKeyConstraint(['entitlement_id'], ['entitlement.id'],
                                name=op.f('fk_bandwidth_day_entitlement_id_entitlement'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('entitlement_id', 'day', 'source', 'site', name=op.f('pk_bandwidth_day'),
                                postgresql_include=['megabytes']),
        sqlite_with_rowid=False,
    )
    op.execute(service.update().where(service.c.code == "gateway", service.c.unit == "GB").values(unit="users"))


def downgrade():
    op.execute(service.update().where(service.c.code == "gateway", service.c.unit == "users").values(unit="GB"))
    op.drop_table('bandwidth_day')
