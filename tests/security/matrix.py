"""The authorization matrix: matrix.csv read into rows, URLs built from app.url_map with the world's
objects, one request per cell, and the outcome of a response in the matrix's words.

Outcomes: a status code ("200", "403", "404", "405", "422", ...), "login" for a redirect to the
portal's Sign in, "redirect" for any other redirect.
"""
from __future__ import annotations

import copy
import csv
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.routing import Rule

from partner_portal.extensions import db, limiter

from ..conftest import CSRFClient
from .checks import check_response
from .roles import ROLES

MATRIX_FILE = Path(__file__).with_name("matrix.csv")
FIXED_COLUMNS = ("endpoint", "method", "args")
IGNORED_METHODS = frozenset({"HEAD", "OPTIONS"})

# Which world object a path parameter names unless a row's `args` says otherwise ("@name" is
# World.subjects[name]; anything else is used as it is). A new route with a new parameter name
# needs an entry here (or `args` in its rows).
PARAM_SUBJECTS = {
    "orgid": "@C.orgid",
    "entitlement_id": "@C.entitlement",
    "key": "ratio",
    "admin_id": "@A.dashboard_admin",
    "invitation_id": "@A.invitation",
    "org_id": "@A.id",
    "session_id": "@partner_full.other_session",
    "connection_id": "@A-C.connection",
    "domain_id": "@A.domain",
    "notification_id": "@C.notification",
    "scope": "customers",
    "action": "read-all",
    "request_id": "@A.support_request",
    "allocation_id": "@A.allocation",
    "outcome": "complete",
    "import_id": "@usage_import",
    "ticket_id": "@C.ticket",
    "slug": "@C.workspace_slug",
    "name": "@logo_name",
    "digest": "@asset.digest",
    "filename": "@asset.filename",
    "token_id": "@A.token",
    "endpoint_id": "@A.webhook",
    "delivery_id": "@A.delivery",
    "token": "@A.feed",
    "program": "solution-advisor",
}


@dataclass
class Row:
    """One endpoint (or a variant of it, "endpoint#variant") and method, with the expected outcome per role."""

    key: str
    method: str
    args: dict[str, str]
    cells: dict[str, str]

    @property
    def endpoint(self) -> str:
        return self.key.partition("#")[0]

    def expected(self, role_name: str) -> str | None:
        """The role's cell, or that of the role it is `like`, or None."""
        cell = self.cells.get(role_name)
        role = ROLES.get(role_name)
        if not cell and role is not None and role.like:
            return self.expected(role.like)
        return cell or None


def parse_args(text: str) -> dict[str, str]:
    """`orgid=@D.orgid key=ratio` -> {"orgid": "@D.orgid", "key": "ratio"}."""
    return dict(part.split("=", 1) for part in text.split())


def load_rows(path: Path = MATRIX_FILE) -> list[Row]:
    """Every row of the matrix file (lines starting with # are comments)."""
    with path.open(newline="") as handle:
        lines = [line for line in handle if line.strip() and not line.lstrip().startswith("#")]
    reader = csv.reader(lines, skipinitialspace=True)
    header = [name.strip() for name in next(reader)]
    rows = []
    for values in reader:
        record = dict(zip(header, (value.strip() for value in values), strict=False))
        rows.append(Row(record["endpoint"], record["method"].upper(), parse_args(record.get("args", "")),
                        {name: record[name] for name in header if name not in FIXED_COLUMNS and record.get(name)}))
    return rows


def unsafe(method: str) -> bool:
    return method not in {"GET", "HEAD", "OPTIONS"}


def rule_methods(rule: Rule) -> list[str]:
    """The methods of a route the matrix covers: GET first, then the unsafe ones."""
    return sorted(rule.methods - IGNORED_METHODS, key=lambda m: (m != "GET", m))


def rules_by_endpoint(app: Flask) -> dict[str, Rule]:
    return {rule.endpoint: rule for rule in app.url_map.iter_rules()}


def build_path(app: Flask, rule: Rule, args: dict[str, str], subjects: dict) -> str:
    """The URL path of `rule` with every parameter taken from args, then PARAM_SUBJECTS; an arg that
    is no path parameter of the rule goes into the query string (`action=export`)."""
    values = {name: subjects[spec[1:]] if spec.startswith("@") else spec
              for name, spec in args.items() if name not in rule.arguments}
    for name in rule.arguments:
        spec = args.get(name) or PARAM_SUBJECTS.get(name)
        if spec is None:
            raise LookupError(f"{rule.endpoint}: no value for the path parameter <{name}>: add it to "
                              f"PARAM_SUBJECTS in tests/security/matrix.py or give args={name}=... in its rows")
        values[name] = subjects[spec[1:]] if spec.startswith("@") else spec
    with app.test_request_context():
        adapter = app.url_map.bind("localhost")
        return adapter.build(rule.endpoint, values, method=None)


def outcome(response) -> str:
    """A response in the matrix's words."""
    if 300 <= response.status_code < 400:
        return "login" if urlsplit(response.location or "").path == "/sign-in" else "redirect"
    return str(response.status_code)


def request_cell(app: Flask, client, method: str, path: str, inspect=None, **kwargs):
    """Make one request as the client's role and undo what it did: its writes (a savepoint around it)
    and its cookies (a sign-out must not sign out the next cell), with fresh rate limits.
    `inspect(response)` runs before the writes are undone; every response must carry the security
    headers and safe cookie flags."""
    connection = db._app_engines[app][None]
    saved_cookies = copy.deepcopy(client._cookies)
    limiter.reset()
    # End the test session's own savepoint first: releasing it later would release ours too.
    db.session.commit()
    savepoint = connection.begin_nested()
    try:
        response = client.open(path, method=method, **kwargs)
        response.close()
        check_response(response, f"{method} {path}", secure=bool(app.config.get("SESSION_COOKIE_SECURE")))
        if inspect is not None:
            inspect(response)
            db.session.commit()  # the test session's savepoint ends inside ours
        return response
    finally:
        if not savepoint.is_active:
            raise AssertionError(f"{method} {path} ended the test's savepoint")
        savepoint.rollback()
        client._cookies = saved_cookies


def new_client(app: Flask):
    """A fresh CSRF-aware test client (tests/conftest.py CSRFClient)."""
    app.test_client_class = CSRFClient
    return app.test_client()


def signed_in_client(app: Flask, role_name: str, world):
    """A fresh CSRF-aware client signed in as the role."""
    client = new_client(app)
    ROLES[role_name].sign_in(client, world)
    return client


def suggest_rows(app: Flask, world, wanted: list[tuple[str, str, dict]]) -> str:
    """Rows for the (endpoint or "endpoint#variant", method, args) wanted, filled with what each role
    gets today: a starting point to check cell by cell, never to paste unread."""
    rules = rules_by_endpoint(app)
    observed: dict[int, dict[str, str]] = {index: {} for index in range(len(wanted))}
    for role_name in ROLES:
        client = signed_in_client(app, role_name, world)
        for index, (key, method, args) in enumerate(wanted):
            try:
                path = build_path(app, rules[key.partition("#")[0]], args, world.subjects)
            except LookupError as error:
                observed[index][role_name] = f"?({error})"
                continue
            observed[index][role_name] = outcome(request_cell(app, client, method, path))
    return "\n".join(format_row(key, method, " ".join(f"{k}={v}" for k, v in args.items()), observed[index])
                     for index, (key, method, args) in enumerate(wanted))


def default_path(app: Flask, rule: Rule, world) -> str:
    """The path of a route as its first matrix row (not a variant) builds it."""
    args = next((row.args for row in load_rows() if row.key == rule.endpoint), {})
    return build_path(app, rule, args, world.subjects)


def methods_of_path(app: Flask, rule: Rule) -> set[str]:
    """Every method some route of the same URL pattern answers."""
    return set().union(*(other.methods for other in app.url_map.iter_rules() if other.rule == rule.rule))


def unsafe_routes(app: Flask) -> list[tuple[Rule, str]]:
    """Every (route, unsafe method) of app.url_map."""
    return [(rule, method) for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint)
            for method in rule_methods(rule) if unsafe(method)]


def get_routes(app: Flask) -> list[Rule]:
    """Every route answering GET."""
    return [rule for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint) if "GET" in rule.methods]


REFUSALS = ("login", "401", "403", "404")


def admitted_role(endpoint: str, method: str) -> str:
    """A role the matrix lets through the route's guards (partner A's full administrator when it
    can), so what the route does with a request is what is tested, not its guard."""
    row = next(row for row in load_rows() if row.key == endpoint and row.method == method)
    return next((name for name in ("partner_full", *ROLES) if row.expected(name) not in REFUSALS), "partner_full")


def column_names() -> list[str]:
    return [*FIXED_COLUMNS, *ROLES]


def format_row(endpoint: str, method: str, args: str, cells: dict[str, str]) -> str:
    """A line of matrix.csv, aligned like the file (columns padded to their header's width)."""
    values = [endpoint, method, args, *(cells.get(name, "") for name in ROLES)]
    widths = [40, 6, 24, *(len(name) for name in ROLES)]
    return ", ".join(value.ljust(width) for value, width in zip(values, widths, strict=True)).rstrip()
