"""Fast bulk writes for the benchmarks' data sets: COPY on PostgreSQL, the sqlite3 driver's
executemany on SQLite, in batches, inside the caller's transaction."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime
from itertools import islice

from sqlalchemy import insert, text

from partner_portal.extensions import db

BATCH = 50_000


def batches(rows: Iterable, size: int = BATCH) -> Iterator[list]:
    """Group an iterable of rows into lists of at most `size`."""
    rows = iter(rows)
    while batch := list(islice(rows, size)):
        yield batch


def _copy_text(value) -> str:
    """One value in COPY's text format (figures, dates and plain codes only)."""
    if value is None:
        return "\\N"
    return value.isoformat() if isinstance(value, date) else str(value)


def _sqlite_value(value):
    """SQLAlchemy's SQLite storage of a date (ISO text); other values as they are."""
    return value.isoformat() if isinstance(value, date) and not isinstance(value, datetime) else value


def write_rows(table: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> int:
    """Write plain rows (ints, dates, short codes: no text that needs escaping) into `table`;
    returns how many. For the millions of usage and bandwidth rows."""
    raw = db.session.connection().connection.driver_connection
    total = 0
    if db.engine.dialect.name == "postgresql":
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for batch in batches(rows):
                copy.write("".join("\t".join(_copy_text(value) for value in row) + "\n" for row in batch))
                total += len(batch)
        return total
    statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    for batch in batches(rows):
        raw.executemany(statement, [tuple(_sqlite_value(value) for value in row) for row in batch])
        total += len(batch)
    return total


def insert_models(model, rows: Iterable[dict], size: int = 5_000) -> int:
    """Insert dicts through SQLAlchemy Core (column types applied: enums, UTC times), in batches."""
    total = 0
    for batch in batches(rows, size):
        db.session.execute(insert(model), batch)
        total += len(batch)
    return total


def next_id(model) -> int:
    """The id after the largest one in the model's table (rows written here carry explicit ids)."""
    return (db.session.scalar(db.select(db.func.max(model.id))) or 0) + 1


def bump_sequences(*models) -> None:
    """PostgreSQL: move each table's id sequence past the explicit ids written."""
    if db.engine.dialect.name != "postgresql":
        return
    for model in models:
        table = model.__tablename__
        db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"))


def analyze() -> None:
    """Refresh planner statistics (PostgreSQL: VACUUM ANALYZE, which also sets the visibility map)."""
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()
