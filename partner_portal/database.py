"""Engine set-up per database, serialising locks, and migrations at start."""

from __future__ import annotations

import contextlib
import fcntl
from pathlib import Path

from flask import Flask, has_request_context, request
from sqlalchemy import event, select, text
from sqlalchemy.engine import Engine

from .extensions import db

# Execution option a service sets when its transaction must hold SQLite's write lock from the
# first statement (see begin_serialized).
SQLITE_IMMEDIATE = "portal_sqlite_immediate"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def configure_sqlite(engine: Engine) -> None:
    """Turn on foreign keys and WAL, and let SQLAlchemy (not pysqlite) issue BEGIN.

    pysqlite's own transaction handling starts transactions late and breaks SAVEPOINT; emitting
    BEGIN ourselves also lets a service ask for BEGIN IMMEDIATE.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # Straight to the driver: the same statement on the same connection as
        # conn.exec_driver_sql, without SQLAlchemy's statement machinery (about 20 µs of every
        # request that reads). pysqlite's commit() and rollback() end it as they end any
        # transaction they find open; SQLAlchemy calls them as before.
        immediate = conn.get_execution_options().get(SQLITE_IMMEDIATE) or _may_write()
        conn.connection.dbapi_connection.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _may_write() -> bool:
    """True inside a request that may write (any method but GET, HEAD and OPTIONS, which never do).

    A deferred transaction that reads, then writes, fails at once with "database is locked" when
    another connection wrote in between (SQLite can't upgrade a stale snapshot, and the busy
    timeout does not apply). Taking the write lock at BEGIN instead makes writers queue for it
    (up to busy_timeout) and never fail; reads still run alongside under WAL. Outside requests
    (commands, jobs) transactions stay deferred: one that holds a read open must not block
    every writer; those that must not lose a race use begin_serialized.
    """
    return has_request_context() and request.method not in SAFE_METHODS


def init_engine_events(app: Flask) -> None:
    """Attach dialect-specific engine events once the engine exists."""
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            configure_sqlite(engine)


def is_sqlite() -> bool:
    """True when the app runs on SQLite."""
    return db.engine.dialect.name == "sqlite"


def begin_serialized(model, row_id: int) -> None:
    """Start a transaction that holds an exclusive lock on one row until commit.

    PostgreSQL: SELECT ... FOR UPDATE on the row. SQLite has no row locks, so the transaction
    starts with BEGIN IMMEDIATE, which takes the database's single write lock. Any work the
    session did before is committed first (callers load, check access, then call the service).
    """
    session = db.session
    if is_sqlite():
        session.commit()
        session.connection(execution_options={SQLITE_IMMEDIATE: True})
    session.execute(select(model.id).where(model.id == row_id).with_for_update())


@contextlib.contextmanager
def startup_lock(app: Flask):
    """Serialise start-up work (migrations, demo data) across workers and hosts."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(4242001)"))
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(4242001)"))
                conn.commit()
        return
    lock_path = Path(app.instance_path) / "startup.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def upgrade_schema() -> None:
    """Apply pending Alembic migrations (Flask-Migrate's upgrade, run in-process)."""
    from flask_migrate import upgrade

    upgrade(directory=str(MIGRATIONS_DIR))
