"""Migration 0007 adds the service-provider tables and its downgrade removes exactly those."""
from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from partner_portal import create_app
from partner_portal.database import MIGRATIONS_DIR
from partner_portal.extensions import db

from ..conftest import make_test_config

TABLES = {"resource_location", "identity_domain", "directory_user", "workspace", "workspace_domain",
          "published_resource", "workspace_theme"}


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_0007_up_down_and_up_again(tmp_path):
    url = f"sqlite:///{tmp_path / 'sp.db'}"
    app = create_app(make_test_config(tmp_path, url))
    with app.app_context():
        upgrade(directory=str(MIGRATIONS_DIR), revision="0007")
        before = set(inspect(db.engine).get_table_names())
        assert TABLES <= before
        downgrade(directory=str(MIGRATIONS_DIR), revision="-1")  # the revision before 0007
        assert set(inspect(db.engine).get_table_names()) == before - TABLES
        upgrade(directory=str(MIGRATIONS_DIR), revision="0007")
        assert set(inspect(db.engine).get_table_names()) == before
        db.session.remove()
        db.engine.dispose()
