"""Odd input never reaches the database as a 500: ids beyond the id columns are a 404, NUL
characters a 400 that writes nothing, and the 500 page itself never fails. The last test walks
every route of the app through the real server, so routes added later are covered too."""
from __future__ import annotations

import re
import urllib.parse

import pytest
from sqlalchemy import func, select, text
from werkzeug.routing import IntegerConverter
from wtforms.fields.core import UnboundField

from partner_portal.extensions import db
from partner_portal.models import Administrator, Organization, Program, User
from partner_portal.web import errors
from partner_portal.web.headers import CONTENT_SECURITY_POLICY
from partner_portal.web.inputs import MAX_ID

from ..conftest import TEST_PASSWORD
from ..factories import connect, make_admin, make_org, make_partner
from ..licensing_factories import make_entitlement

# Past PostgreSQL's INTEGER, past SQLite's 64-bit integer, and past Python's int-parsing limit.
OUT_OF_RANGE = (str(MAX_ID + 1), str(2**63), str(10**30), "9" * 5000)


@pytest.fixture
def partner_world(login):
    """A signed-in full-access partner administrator with a connected customer."""
    partner = make_partner("Northwind", programs=[Program.SOLUTION_ADVISOR])
    user = make_admin(partner)
    customer = make_org("Fabrikam")
    make_admin(customer)
    connect(partner, customer)
    entitlement = make_entitlement(customer)
    login(user)
    return {"partner": partner, "customer": customer, "entitlement": entitlement}


@pytest.mark.parametrize("number", OUT_OF_RANGE, ids=["2^31", "2^63", "10^30", "5000-digits"])
def test_out_of_range_ids_are_404(client, partner_world, number):
    orgid = partner_world["customer"].orgid
    assert client.get(f"/licensing/{number}").status_code == 404
    assert client.get(f"/customers/{orgid}/licensing/{number}/history.csv").status_code == 404
    assert client.post(f"/account/switch/{number}").status_code == 404
    assert client.get(f"/account/administrators/{number}/access").status_code == 404


def test_largest_id_still_routes(client, partner_world):
    # MAX_ID itself is a valid id that names no row: the view's own 404.
    assert client.get(f"/licensing/{MAX_ID}").status_code == 404
    orgid, entitlement_id = partner_world["customer"].orgid, partner_world["entitlement"].id
    assert client.get(f"/customers/{orgid}/licensing/{entitlement_id}").status_code == 200


def _org_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Organization))


@pytest.mark.parametrize("field", ["company", "first_name", "last_name", "email", "phone", "country"])
def test_nul_in_add_customer_form_is_400_and_writes_nothing(client, partner_world, field):
    data = {"company": "Acme", "first_name": "Ada", "last_name": "Lovelace", "email": "ada@acme.example",
            "phone": "+44 20 7946 0000", "country": "United Kingdom"}
    data[field] = data[field][:2] + "\x00" + data[field][2:]
    before = _org_count()
    response = client.post("/customers/add", data=data)
    assert response.status_code == 400
    assert "NUL character" in response.get_data(as_text=True)
    assert _org_count() == before


def test_nul_in_administrator_name_is_400_and_writes_nothing(client, partner_world):
    before = db.session.scalar(select(func.count()).select_from(Administrator))
    response = client.post("/account/administrators/new", data={
        "email": "new.admin@northwind.example", "name": "New\x00Admin", "access": "full"})
    assert response.status_code == 400 and "NUL character" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Administrator)) == before
    assert db.session.scalar(select(User.id).where(User.email == "new.admin@northwind.example")) is None


@pytest.mark.parametrize("url", ["/customers/%00", "/customers/ab%00cd/licensing", "/invitations/%00",
                                 "/licensing/1%00", "/sign-in%00", "/customers?q=%00", "/customers?%00=x"])
def test_nul_in_path_or_query_is_400(client, partner_world, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "NUL character" in response.get_data(as_text=True)


def test_nul_when_signed_out_is_400(client):
    response = client.post("/sign-in", data={"email": "a\x00@example.com", "password": "x"})
    assert response.status_code == 400 and "NUL character" in response.get_data(as_text=True)


# --- the 500 page ---------------------------------------------------------------------------


def _failing_view():
    """A view that fails half-way through the request's transaction, as a database error would."""
    from flask_login import current_user

    assert current_user.is_authenticated  # the user is loaded in this transaction, like any page's
    db.session.execute(text("SELECT * FROM no_such_table"))


def test_error_page_starts_from_a_clean_transaction(app, client, partner_world, monkeypatch):
    # On PostgreSQL the failed statement aborts the transaction; the page's header (customer menu)
    # then reads the database again and must not fail.
    monkeypatch.setitem(app.view_functions, "home.index", _failing_view)
    response = client.get("/")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Something went wrong on our side" in page and "Northwind" in page  # the full page, header included


def test_error_page_falls_back_to_a_static_page_with_security_headers(app, client, partner_world, monkeypatch):
    def broken_page(*args, **kwargs):
        raise RuntimeError("the error template is broken")

    monkeypatch.setitem(app.view_functions, "home.index", _failing_view)
    monkeypatch.setattr(errors, "render_error", broken_page)
    response = client.get("/")
    assert response.status_code == 500 and response.mimetype == "text/html"
    assert "Something went wrong" in response.get_data(as_text=True)
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["X-Frame-Options"] == "DENY"


# --- every route, through the real server ----------------------------------------------------

# Query parameters the pages read (and a few they might), each sent with odd values.
QUERY_NAMES = ("q", "next", "sort", "dir", "tenancy", "trial", "flag", "page", "id")


def _form_field_names() -> set[str]:
    """The field names of every form in the app (so forms added later are covered)."""
    from flask_wtf import FlaskForm

    names, pending = set(), [FlaskForm]
    while pending:
        form = pending.pop()
        pending.extend(form.__subclasses__())
        names.update(name for name in dir(form) if isinstance(getattr(form, name), UnboundField))
    return names


_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def _path(rule, valid: dict[str, str], **values: str) -> str:
    """The rule's path with its arguments filled in: `values`, else `valid`'s, else "x" (percent-encoded)."""
    return _ARGUMENT.sub(lambda m: urllib.parse.quote(values.get(m[1], valid.get(m[1], "x")), safe=""), rule.rule)


def _odd_requests(rule, method: str, valid: dict[str, str], fields: set[str]):
    """(path, form, expected status; None for "anything but a 5xx") for one rule and method."""
    posting = method not in {"GET", "HEAD"}
    odd_form = {name: "2147483648" for name in fields} if posting else None
    base = _path(rule, valid)
    for name, converter in rule._converters.items():
        if isinstance(converter, IntegerConverter):
            for number in OUT_OF_RANGE[:3]:
                yield _path(rule, valid, **{name: number}), odd_form, 404
        yield _path(rule, valid, **{name: "a\x00b"}), odd_form, 400
    if not rule.arguments:
        yield base + "%00", odd_form, 400
    yield base + "?" + urllib.parse.urlencode({n: "x\x00" for n in QUERY_NAMES}), None, 400
    if posting:
        yield base, {name: "x\x00y" for name in fields}, 400
    # No NUL: odd values reach the views, which must answer without a 5xx.
    yield base + "?" + urllib.parse.urlencode({n: str(2**63) for n in QUERY_NAMES}), odd_form, None


@pytest.mark.committing
def test_every_route_survives_odd_input(app, portal_server):
    partner = make_partner("Northwind", programs=[Program.SOLUTION_ADVISOR, Program.SERVICE_PROVIDER])
    partner_user = make_admin(partner)
    customer = make_org("Fabrikam")
    make_admin(customer)
    connect(partner, customer)
    entitlement = make_entitlement(customer)
    db.session.commit()
    valid = {"orgid": customer.orgid, "entitlement_id": str(entitlement.id), "key": "ratio",
             "token": partner.invitation_token, "org_id": str(partner.id)}
    fields = _form_field_names()
    failures, sent = [], 0
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for identity in ("anonymous", "partner"):
                # A fresh client per rule: a sign-out or a switch in one rule leaves the others alone.
                web = portal_server.session()
                if identity == "partner":
                    web.sign_in(partner_user.email, TEST_PASSWORD)
                for path, form, expected in _odd_requests(rule, method, valid, fields):
                    answer = web.request(method, path, form)
                    sent += 1
                    if answer.status >= 500 or (expected is not None and answer.status != expected):
                        failures.append(f"{identity} {method} {path[:80]} -> {answer.status}")
    assert sent > 200
    assert not failures, "\n".join(failures) + "\n" + portal_server.log()[-3000:]
