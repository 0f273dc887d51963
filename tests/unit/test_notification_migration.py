"""0011 moves the organization-wide read_at and the partner organizations' dismissals to each
administrator, so nobody's counts change at the upgrade; its downgrade folds them back."""
from __future__ import annotations

import os

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from partner_portal import create_app
from partner_portal.database import MIGRATIONS_DIR
from partner_portal.extensions import db

from ..conftest import make_test_config

SEED = [
    "INSERT INTO organization (id, orgid, name, tenancy, is_primary_cloud_account, created_at, contact_phone, country) "
    "VALUES (1, '1000000001', 'Partner', 'multi-tenant', true, '2026-01-01', '', ''), "
    "(2, '1000000002', 'Customer', 'single-tenant', false, '2026-01-01', '', ''), "
    "(3, '1000000003', 'Former partner', 'multi-tenant', false, '2026-01-01', '', '')",
    "INSERT INTO user_account (id, email, name, session_version, is_operator, created_at) VALUES "
    "(1, 'a1@p.example', '', 1, false, '2026-01-01'), (2, 'a2@p.example', '', 1, false, '2026-01-01'), "
    "(3, 'c1@c.example', '', 1, false, '2026-01-01'), (4, 'f1@f.example', '', 1, false, '2026-01-01')",
    "INSERT INTO administrator (id, user_id, organization_id, access, permissions, added_at) VALUES "
    "(1, 1, 1, 'full', '', '2026-01-01'), (2, 2, 1, 'full', '', '2026-01-01'), (3, 3, 2, 'full', '', '2026-01-01'), "
    "(4, 4, 3, 'full', '', '2026-01-01')",
    "INSERT INTO connection (id, partner_id, customer_id, method, created_at) VALUES "
    "(1, 1, 2, 'invitation', '2026-01-01')",
    "INSERT INTO connection (id, partner_id, customer_id, method, created_at, ended_at) VALUES "
    "(2, 3, 2, 'invitation', '2026-01-01', '2026-02-01')",
    "INSERT INTO notification (id, organization_id, severity, title, body, created_at, read_at) VALUES "
    "(1, 2, 'info', 'Read by the customer', '', '2026-03-01 10:00:00', '2026-03-02 10:00:00'), "
    "(2, 2, 'warning', 'Unread, dismissed by the partner', '', '2026-03-01 11:00:00', NULL), "
    "(3, 1, 'info', 'The partner''s own, read', '', '2026-03-01 12:00:00', '2026-03-03 10:00:00')",
    "INSERT INTO notification_dismissal (notification_id, partner_id, dismissed_at) VALUES "
    "(2, 1, '2026-03-04 10:00:00')",
]


@pytest.fixture
def empty_database(tmp_path):
    """An empty database of the suite's kind: a SQLite file, or a PostgreSQL database of its own
    beside TEST_DATABASE_URL's (dropped afterwards)."""
    suite = os.environ.get("TEST_DATABASE_URL", "")
    if not suite.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'upgrade.db'}"
        return
    server = make_url(suite.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"{server.database}_0011"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield server.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_read_and_dismissed_move_to_each_administrator_and_back(tmp_path, empty_database):
    app = create_app(make_test_config(tmp_path, empty_database))
    migrations = str(MIGRATIONS_DIR)
    with app.app_context():
        upgrade(directory=migrations, revision="0010")
        for statement in SEED:
            db.session.execute(text(statement))
        db.session.commit()

        upgrade(directory=migrations, revision="0011")
        states = db.session.execute(text(
            "SELECT administrator_id, notification_id, read_at IS NOT NULL, dismissed_at IS NOT NULL "
            "FROM notification_state ORDER BY notification_id, administrator_id")).all()
        assert [tuple(row) for row in states] == [
            (1, 1, True, False), (2, 1, True, False), (3, 1, True, False),  # read by the customer: by its partner too
            (1, 2, True, True), (2, 2, True, True),  # the partner's dismissal: each of its administrators
            (1, 3, True, False), (2, 3, True, False),
        ]  # nothing for the partner whose connection ended (administrator 4)
        assert db.session.execute(text(
            "SELECT DISTINCT source, emailed_at = created_at FROM notification")).all() == [("connection", True)]
        db.session.commit()  # end the read: its snapshot would keep the old schema

        downgrade(directory=migrations, revision="0010")
        read = db.session.execute(text("SELECT id, read_at FROM notification ORDER BY id")).all()
        assert [(n, r is not None) for n, r in read] == [(1, True), (2, False), (3, True)]
        assert db.session.execute(text("SELECT notification_id, partner_id FROM notification_dismissal")).all() == [
            (2, 1)]
        db.session.remove()
        db.engine.dispose()
