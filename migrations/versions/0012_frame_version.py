"""frame version: a value in each person's row that changes whenever what the page frame shows of
them changes (their administrator roles, those organizations, their programs)

Each worker keeps a person's roles, organizations and programs in memory under this value and
reads the value with the session on every request (web/frame.py), so a change made by any worker
or host, or by any statement, reaches every worker at its next request. Triggers keep it, not the
application, so no write path can forget it: a new random 64-bit value (never an increment, so a
rolled-back change can never be followed by another change with the same value).

Triggers live on administrator, organization and program_membership. Careful: on SQLite, a later
migration that rebuilds one of these tables (batch_alter_table in "recreate" mode) drops its
triggers; such a migration must create them again (see create_triggers).

Revision ID: 0012
Revises: 0011
"""
import warnings

from alembic import op
import sqlalchemy as sa

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

TABLES = ('administrator', 'organization', 'program_membership')

# Which people a changed row concerns, as SQL over NEW or OLD.
_PEOPLE = {
    'administrator': 'SELECT {row}.user_id',
    'organization': 'SELECT user_id FROM administrator WHERE organization_id = {row}.id',
    'program_membership': 'SELECT user_id FROM administrator WHERE organization_id = {row}.organization_id',
}
_EVENTS = {
    'administrator': (('INSERT', 'NEW'), ('UPDATE', 'NEW'), ('UPDATE', 'OLD'), ('DELETE', 'OLD')),
    # A new organization has no administrators yet; a deleted one takes its administrators along
    # (ON DELETE CASCADE), whose own triggers fire.
    'organization': (('UPDATE', 'NEW'),),
    'program_membership': (('INSERT', 'NEW'), ('UPDATE', 'NEW'), ('DELETE', 'OLD')),
}


def _sqlite_triggers():
    for table in TABLES:
        for event in sorted({event for event, _row in _EVENTS[table]}):
            rows = [row for e, row in _EVENTS[table] if e == event]
            people = ' UNION '.join(_PEOPLE[table].format(row=row) for row in rows)
            yield (f"CREATE TRIGGER frame_version_{table}_{event.lower()} AFTER {event} ON {table} BEGIN "
                   f"UPDATE user_account SET frame_version = random() WHERE id IN ({people}); END")


def _postgresql_statements():
    branches = []
    for table in TABLES:
        for event, row in _EVENTS[table]:
            people = _PEOPLE[table].format(row=row)
            branches.append(f"IF TG_TABLE_NAME = '{table}' AND TG_OP = '{event}' THEN "
                            f"UPDATE user_account SET frame_version = (random() * 9.0e18)::bigint "
                            f"WHERE id IN ({people}); END IF;")
    yield ("CREATE FUNCTION frame_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
           + " ".join(branches) + " RETURN NULL; END $$")
    for table in TABLES:
        events = ' OR '.join(sorted({event for event, _row in _EVENTS[table]}))
        yield (f"CREATE TRIGGER frame_version_{table} AFTER {events} ON {table} "
               f"FOR EACH ROW EXECUTE FUNCTION frame_version_bump()")


def create_triggers():
    """Create the triggers that keep user_account.frame_version (both databases)."""
    statements = _postgresql_statements() if op.get_bind().dialect.name == 'postgresql' else _sqlite_triggers()
    for statement in statements:
        op.execute(statement)


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('frame_version', sa.BigInteger(), nullable=False, server_default='0'))
    create_triggers()


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for table in TABLES:
            op.execute(f"DROP TRIGGER frame_version_{table} ON {table}")
        op.execute("DROP FUNCTION frame_version_bump()")
    else:
        for table in TABLES:
            for event in sorted({event for event, _row in _EVENTS[table]}):
                op.execute(f"DROP TRIGGER frame_version_{table}_{event.lower()}")
    # SQLite rebuilds user_account to drop the column; reflecting it warns that its lower(email)
    # index can't be reflected, and the rebuild keeps that index all the same.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
        with op.batch_alter_table('user_account', schema=None) as batch_op:
            batch_op.drop_column('frame_version')
