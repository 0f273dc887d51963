"""Migrations build the schema the models describe, from an empty database."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from partner_portal import create_app
from partner_portal.database import MIGRATIONS_DIR, upgrade_schema
from partner_portal.extensions import db

from ..conftest import make_test_config


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
def test_migrations_apply_to_an_empty_database_and_match_the_models(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    app = create_app(make_test_config(tmp_path, url))
    with app.app_context():
        upgrade_schema()
        engine = create_engine(url)
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        engine.dispose()
        db.engine.dispose()
    assert diff == [], diff


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
def test_the_suite_database_built_by_migrations_matches_the_models(app):
    """The session database (SQLite or TEST_DATABASE_URL's PostgreSQL) was built by upgrade_schema."""
    with app.app_context():
        conn = db.engine  # the per-test connection the rollback fixture installed
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == [], diff


def test_upgrading_keeps_usage_rows(tmp_path):
    """0002 -> head rebuilds usage_day's storage; every row survives, and back again."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    url = f"sqlite:///{tmp_path / 'upgrade.db'}"
    app = create_app(make_test_config(tmp_path, url))
    migrations = str(MIGRATIONS_DIR)
    with app.app_context():
        upgrade(directory=migrations, revision="0002")
        db.session.execute(text("INSERT INTO organization (orgid, name, tenancy, is_primary_cloud_account, created_at) "
                                "VALUES ('1234567890', 'Acme', 'single-tenant', 0, CURRENT_TIMESTAMP)"))
        db.session.execute(text("INSERT INTO entitlement (organization_id, service_code, is_trial, license_count, term, "
                                "commit_model, requested_at, licenses_assigned) "
                                "VALUES (1, 'daas-user', 0, 10, 'annual', 'fixed', CURRENT_TIMESTAMP, 0)"))
        for day in range(1, 29):
            db.session.execute(text("INSERT INTO usage_day VALUES (1, :day, :n, 1, 2, 3, NULL)"),
                               {"day": f"2026-02-{day:02d}", "n": day})
        db.session.commit()
        upgrade(directory=migrations)
        rows = db.session.execute(text("SELECT day, assigned FROM usage_day ORDER BY day")).all()
        assert len(rows) == 28 and rows[-1] == ("2026-02-28", 28)
        assert "WITHOUT ROWID" in db.session.execute(
            text("SELECT sql FROM sqlite_master WHERE name = 'usage_day'")).scalar()
        downgrade(directory=migrations, revision="0002")
        assert db.session.execute(text("SELECT count(*) FROM usage_day")).scalar() == 28
        db.session.remove()
        db.engine.dispose()


def test_bandwidth_migration_makes_gateway_count_users_and_back(tmp_path):
    """0004 -> 0008 adds bandwidth_day (in key order) and reads Gateway entitlements as users."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    url = f"sqlite:///{tmp_path / 'bandwidth.db'}"
    app = create_app(make_test_config(tmp_path, url))
    migrations = str(MIGRATIONS_DIR)
    with app.app_context():
        upgrade(directory=migrations, revision="0004")
        def gateway_unit() -> str:
            # A fresh transaction each time: an open one would keep reading its old snapshot.
            db.session.rollback()
            return db.session.execute(text("SELECT unit FROM service WHERE code = 'gateway'")).scalar()

        assert gateway_unit() == "GB"
        upgrade(directory=migrations, revision="0008")
        assert gateway_unit() == "users"
        assert "WITHOUT ROWID" in db.session.execute(
            text("SELECT sql FROM sqlite_master WHERE name = 'bandwidth_day'")).scalar()
        downgrade(directory=migrations, revision="0004")
        assert gateway_unit() == "GB"
        assert db.session.execute(text("SELECT count(*) FROM sqlite_master WHERE name = 'bandwidth_day'")).scalar() == 0
        db.session.remove()
        db.engine.dispose()
