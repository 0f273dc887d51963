"""seed the service catalogue

The catalogue is reference data every installation needs (usage imports and entitlements refer
to it), so it ships as a migration rather than only with the demo world.

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

SERVICES = [
    ("daas-user", "DaaS (user/device)", "users", False, 0),
    ("daas-concurrent", "DaaS (concurrent)", "concurrent users", False, 1),
    ("gateway", "Gateway service", "GB", True, 2),
    ("secure-private-access", "Secure Private Access", "users", False, 3),
    ("endpoint-management", "Endpoint Management", "devices", False, 4),
]

service = sa.table(
    "service",
    sa.column("code", sa.String), sa.column("name", sa.String), sa.column("unit", sa.String),
    sa.column("is_bandwidth", sa.Boolean), sa.column("sort_order", sa.Integer),
)


def upgrade():
    existing = {row[0] for row in op.get_bind().execute(sa.select(service.c.code))}
    rows = [dict(code=c, name=n, unit=u, is_bandwidth=b, sort_order=o) for c, n, u, b, o in SERVICES if c not in existing]
    if rows:
        op.bulk_insert(service, rows)


def downgrade():
    # Entitlements may refer to these rows; leave reference data in place.
    pass
