"""keep usage_day rows in key order

Daily rows of one entitlement arrive a day at a time, interleaved with every other
entitlement's, so reading a year of one entitlement touched ~365 pages. bench/licensing.py
(4.66 M rows) measured: SQLite WITHOUT ROWID halves the table (249 -> 123 MiB) and cuts the
daily-history read from 7.8 to 3.0 ms; on PostgreSQL a primary key INCLUDING the figures turns
the 12-month series into an index-only scan of 6 pages instead of 365 (1.1 -> 0.3 ms).

Revision ID: 0003
Revises: 0002
"""
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

FIGURES = "assigned, newly_assigned, daily_active, monthly_active, peak_concurrent"
COLUMNS = f"entitlement_id, day, {FIGURES}"


def _rebuild_sqlite(without_rowid: bool) -> None:
    """SQLite can't change a table's storage in place: copy into a new table and swap."""
    suffix = " WITHOUT ROWID" if without_rowid else ""
    op.execute(f"""
        CREATE TABLE usage_day_new (
            entitlement_id INTEGER NOT NULL,
            day DATE NOT NULL,
            assigned INTEGER NOT NULL,
            newly_assigned INTEGER NOT NULL,
            daily_active INTEGER NOT NULL,
            monthly_active INTEGER NOT NULL,
            peak_concurrent INTEGER,
            CONSTRAINT pk_usage_day PRIMARY KEY (entitlement_id, day),
            CONSTRAINT fk_usage_day_entitlement_id_entitlement FOREIGN KEY(entitlement_id)
                REFERENCES entitlement (id) ON DELETE CASCADE
        ){suffix}""")
    op.execute(f"INSERT INTO usage_day_new ({COLUMNS}) SELECT {COLUMNS} FROM usage_day ORDER BY entitlement_id, day")
    op.execute("DROP TABLE usage_day")
    op.execute("ALTER TABLE usage_day_new RENAME TO usage_day")


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _rebuild_sqlite(without_rowid=True)
    elif dialect == "postgresql":
        op.execute("ALTER TABLE usage_day DROP CONSTRAINT pk_usage_day")
        op.execute(f"ALTER TABLE usage_day ADD CONSTRAINT pk_usage_day PRIMARY KEY (entitlement_id, day) INCLUDE ({FIGURES})")


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _rebuild_sqlite(without_rowid=False)
    elif dialect == "postgresql":
        op.execute("ALTER TABLE usage_day DROP CONSTRAINT pk_usage_day")
        op.execute("ALTER TABLE usage_day ADD CONSTRAINT pk_usage_day PRIMARY KEY (entitlement_id, day)")
