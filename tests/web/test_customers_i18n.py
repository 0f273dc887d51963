"""The Customer Dashboard speaks through the translation calls: with a catalogue that marks
every message it translates, each word the dashboard, its export and its form show is marked.

The marking catalogue answers only inside a request, as a real one would for the request's
language; text translated after the request (a streamed CSV body) would come out unmarked."""

from __future__ import annotations

import csv
import html
import io
import re

import flask_babel
import pytest
from babel import support
from flask import has_request_context

from partner_portal.extensions import db
from partner_portal.models import Connection

from ..conftest import htmx_headers
from .test_customers import partner_setup, services  # noqa: F401  (fixtures)


class _Marked(support.NullTranslations):
    """Every message comes back between « and »."""

    def ugettext(self, message):
        return f"«{message}»"

    def ungettext(self, singular, plural, n):
        return f"«{singular if n == 1 else plural}»"

    gettext, ngettext = ugettext, ungettext


@pytest.fixture
def marked(monkeypatch):
    def get_translations(self):
        return _Marked() if has_request_context() else support.NullTranslations()

    monkeypatch.setattr(flask_babel.Domain, "get_translations", get_translations)


def test_the_dashboard_row_is_translated(client, partner_setup, marked):
    partner, user, alpha, beta = partner_setup
    page = client.get("/customers").get_data(as_text=True)
    row = page[page.index(f'id="row-{alpha.orgid}"') :].split("</tr>")[0]
    labels = re.findall(r'data-label="([^"]*)"', row)
    assert labels and all(label.startswith("«") for label in labels if label != "ORGID")
    assert f'aria-label="«Select {alpha.name}»"' in row and f'aria-label="«Actions for {alpha.name}»"' in row
    assert ">«View Licensing»</a>" in row and ">«Remove Customer Connection»</a>" in row
    assert "«<strong>2</strong> of 100 customers»" in page


def test_the_export_header_and_not_shared_cells_are_translated_in_the_request(client, partner_setup, marked):
    partner, user, alpha, beta = partner_setup
    connection = db.session.query(Connection).filter_by(customer_id=beta.id).one()
    connection.share_licensing = False
    db.session.flush()
    rows = list(csv.reader(io.StringIO(client.get("/customers/export.csv").get_data(as_text=True))))
    assert rows[0][0] == "«Customer»" and rows[0][1] == "ORGID"
    assert all(title.startswith("«") for title in rows[0] if title != "ORGID")
    beta_row = next(r for r in rows if r[1] == beta.orgid)
    assert beta_row[rows[0].index("«Licenses purchased»")] == "«Not shared by the customer»"


def test_the_add_form_is_translated(client, partner_setup, marked):
    response = client.post("/customers/add", data={"company": ""}, headers=htmx_headers())
    body = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "«Company name»" in body and "«Enter the company's name.»" in body
    assert "«Must not belong to an existing account.»" in body


def test_the_home_shortcuts_and_a_bulk_preview_are_translated(client, partner_setup, marked):
    partner, user, alpha, beta = partner_setup
    home = client.get("/").get_data(as_text=True)
    assert "<h2>«My Customers»</h2><p>«Status of every connected customer at a glance.»</p>" in home
    preview = client.get(f"/customers/bulk?action=add-tag&tag=vip&orgid={alpha.orgid}").get_data(as_text=True)
    assert "«Tag “vip” added»" in preview
    assert "«Confirm: add tag for 1 customer»" in preview
