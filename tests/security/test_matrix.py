"""The authorization matrix (matrix.csv): every endpoint of app.url_map, every role, GET and the
unsafe methods (with a valid CSRF token), with real ids of other tenants' objects. A route without
rows fails here, with suggested rows to check and add; see docs/security.md."""
from __future__ import annotations

import pytest

from .conftest import STATS
from .matrix import (
    MATRIX_FILE, REFUSALS, build_path, column_names, load_rows, outcome, request_cell, rule_methods, rules_by_endpoint,
    signed_in_client, suggest_rows,
)
from .roles import ROLES
from .checks import row_counts


def test_every_route_and_method_has_rows(app, world):
    rows = load_rows()
    covered = {(row.endpoint, row.method) for row in rows}
    rules = rules_by_endpoint(app)
    missing = [(endpoint, method) for endpoint, rule in sorted(rules.items()) for method in rule_methods(rule)
               if (endpoint, method) not in covered]
    if missing:
        pytest.fail(
            f"{len(missing)} route(s) have no row in {MATRIX_FILE.name}: "
            f"{', '.join(f'{e} {m}' for e, m in missing)}.\n"
            "Add a row per method. Suggested rows, filled with what each role gets TODAY (check every cell "
            f"against what the role should get before adding them; columns: {', '.join(column_names())}):\n"
            + suggest_rows(app, world, [(e, m, {}) for e, m in missing]), pytrace=False)
    stale = sorted({f"{row.key} {row.method}" for row in rows
                    if row.endpoint not in rules or row.method not in rule_methods(rules[row.endpoint])})
    assert not stale, f"rows for routes or methods that no longer exist: {stale}"


def test_every_row_has_an_outcome_for_every_role():
    incomplete = [f"{row.key} {row.method}: {name}" for row in load_rows() for name in ROLES
                  if row.expected(name) is None]
    assert not incomplete, f"cells without an expected outcome: {incomplete}"


@pytest.mark.parametrize("kind", ["GET", "unsafe"])
@pytest.mark.parametrize("role_name", list(ROLES))
def test_matrix(app, world, role_name, kind):
    client = signed_in_client(app, role_name, world)
    rules = rules_by_endpoint(app)
    rows = [row for row in load_rows() if (row.method == "GET") == (kind == "GET")]
    wrong = []
    baseline = row_counts()
    for row in rows:
        path = build_path(app, rules[row.endpoint], row.args, world.subjects)
        after = {}
        got = outcome(request_cell(app, client, row.method, path, inspect=lambda _: after.update(row_counts())))
        if got != row.expected(role_name):
            wrong.append(f"  {row.key} {row.method} {path}: expected {row.expected(role_name)}, got {got}")
        written = {table: (baseline[table], after[table]) for table in baseline if baseline[table] != after[table]}
        if written and (row.method == "GET" or got in REFUSALS):
            wrong.append(f"  {row.key} {row.method} {path}: {'a GET' if row.method == 'GET' else 'refused, but it'} "
                         f"added or removed rows: {written}")
    STATS["matrix"].update({"cells": len(rows), "get" if kind == "GET" else "unsafe": len(rows), "role_runs": 1})
    STATS["matrix"]["rows"] = len(load_rows())
    STATS["matrix"]["roles"] = len(ROLES)
    assert not wrong, f"{ROLES[role_name].description} ({role_name}):\n" + "\n".join(wrong)
