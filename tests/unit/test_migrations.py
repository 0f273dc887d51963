"""Migrations build the schema the models describe, from an empty database."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from partner_portal import create_app
from partner_portal.database import upgrade_schema
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
