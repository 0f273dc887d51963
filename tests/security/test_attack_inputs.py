"""Property-based attack inputs (hypothesis) over every form, every query parameter and every path
parameter, as a role the route lets in: no input gives a 5xx, a refused request writes nothing, and
script, attribute, template and htmx payloads come back as text. Runs on SQLite and PostgreSQL.

ATTACK_EXAMPLES (default 8) bounds the inputs tried per route; the counts are printed at the end.
"""
from __future__ import annotations

import os
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from .attack import api_bodies, discover_forms, markup_problems, payload, query_names
from .conftest import STATS
from .matrix import (
    admitted_role, build_path, default_path, get_routes, load_rows, request_cell, signed_in_client, unsafe_routes,
)
from .checks import row_counts

EXAMPLES = int(os.environ.get("ATTACK_EXAMPLES", "8"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large])


def _text(response) -> str:
    return response.get_data().decode("utf-8", "replace")


def _check(app, client, method, path, where, before, **kwargs):
    """One attack request: below 500, nothing written when refused (`before`: the world's row
    counts, the same for every request since each is undone), payloads shown as text (in the
    response and in the page a redirect leads to)."""
    seen = {}

    def inspect(response):
        if response.status_code >= 400:
            seen["after"] = row_counts()
        if 300 <= response.status_code < 400 and urlsplit(response.location).path.startswith("/"):
            follow = client.get(urlsplit(response.location).path)
            seen["followed"] = (follow.status_code, _text(follow))

    response = request_cell(app, client, method, path, inspect=inspect, **kwargs)
    STATS["inputs"][where] += 1
    body = _text(response)
    assert response.status_code < 500, f"{where}: {response.status_code}"
    if response.status_code >= 400:
        changed = {t: (before[t], seen["after"][t]) for t in before if before[t] != seen["after"][t]}
        assert not changed, f"{where}: refused ({response.status_code}) but rows changed: {changed}"
    # JSON (the API's answers and problems) is data, never rendered: it echoes text as it was sent,
    # and nosniff (checked on every response) keeps a browser from reading it as HTML.
    if not response.mimetype.endswith("json"):
        assert not markup_problems(body), f"{where}: raw payload in the response: {markup_problems(body)}"
    if "followed" in seen:
        status, page = seen["followed"]
        assert status < 500, f"{where}: the page after the redirect answered {status}"
        assert not markup_problems(page), f"{where}: raw payload on the next page: {markup_problems(page)}"


@pytest.fixture
def forms(app, world):
    return {**discover_forms(app, world), **api_bodies(app)}


def test_every_form(app, world, forms):
    """Every unsafe route, with the fields of the forms that post to it (and the values they offer)."""
    uncovered = []
    api_endpoints = {endpoint for endpoint, _ in api_bodies(app)} | {
        rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")}
    for rule, method in unsafe_routes(app):
        fields = forms.get((rule.endpoint, method), {})
        if not fields:
            uncovered.append(rule.endpoint)
        role_name = admitted_role(rule.endpoint, method)
        client = signed_in_client(app, role_name, world)
        before = row_counts()
        path = default_path(app, rule, world)
        where = f"{method} {rule.endpoint}"
        field_values = {name: st.one_of(st.sampled_from(sorted(values)), payload) if values else payload
                        for name, values in fields.items()}
        # Fields the pages show, plus any name the code reads (a field a page forgot still gets input).
        data = st.fixed_dictionaries(field_values, optional={name: payload for name in query_names()
                                                             if name not in fields})

        # The JSON API takes its fields as a JSON object (a form body is a 415 there).
        body = "json" if rule.endpoint in api_endpoints else "data"

        @SETTINGS
        @given(data=data)
        def attack(data):
            _check(app, client, method, path, where, before, **{body: data})

        attack()
    STATS["inputs"]["(routes without a form on any page: empty-field names only)"] = len(uncovered)


def test_every_query_parameter(app, world):
    names = query_names()
    for rule in get_routes(app):
        client = signed_in_client(app, admitted_role(rule.endpoint, "GET"), world)
        before = row_counts()
        path = default_path(app, rule, world)
        where = f"GET {rule.endpoint} ?query"

        @SETTINGS
        @given(query=st.dictionaries(st.sampled_from(names), payload, max_size=4))
        def attack(query):
            _check(app, client, "GET", path, where, before, query_string=query)

        attack()


def _path_value(converter):
    kind = type(converter).__name__
    if kind == "IntegerConverter":
        return st.integers(min_value=0, max_value=2**80)
    if kind == "AnyConverter":
        return st.sampled_from(sorted(converter.items) if hasattr(converter, "items") else ["x"])
    return payload.filter(lambda text: text != "")


def test_every_path_parameter(app, world):
    rows = {row.key: row for row in load_rows()}
    for rule in get_routes(app) + [rule for rule, _ in unsafe_routes(app)]:
        if not rule.arguments:
            continue
        method = "GET" if "GET" in rule.methods else sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
        client = signed_in_client(app, admitted_role(rule.endpoint, method), world)
        before = row_counts()
        args = rows[rule.endpoint].args if rule.endpoint in rows else {}
        where = f"{method} {rule.endpoint} <path>"
        values = st.fixed_dictionaries({name: _path_value(rule._converters[name]) for name in rule.arguments})

        @SETTINGS
        @given(values=values)
        def attack(values):
            try:
                path = build_path(app, rule, {**args, **{k: str(v) for k, v in values.items()}}, world.subjects)
            except Exception:  # a value the URL map cannot even build (e.g. "/" in a plain segment)
                return
            _check(app, client, method, path, where, before)

        attack()
