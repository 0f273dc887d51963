"""Account Settings → API tokens: create (shown once, stored hashed), list, revoke, and the rule that
a token never holds more than its creator."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from partner_portal.extensions import db
from partner_portal.models import Access, ApiToken, Permission
from partner_portal.tokens.services import hash_token

from ..api_factories import make_token, stored
from ..factories import make_admin, make_partner


@pytest.fixture
def partner():
    return make_partner("Northwind")


def _create(client, **data):
    form = {"name": "billing script", "expires": "30", "access": "custom", **data}
    return client.post("/account/api-tokens", data=form)


def test_the_page_lists_and_offers_the_form(client, login, partner):
    login(make_admin(partner))
    page = client.get("/account/api-tokens")
    assert page.status_code == 200
    assert "Create a token" in page.get_data(as_text=True)
    assert "/account/api-tokens" in client.get("/account/settings").get_data(as_text=True)


def test_a_new_token_is_shown_once_and_stored_only_as_its_hash(client, login, partner):
    login(make_admin(partner))
    page = _create(client, access="full")
    assert page.status_code == 200
    secret = re.search(r"data-new-token>([^<]+)<", page.get_data(as_text=True)).group(1)
    token = db.session.scalar(select(ApiToken))
    assert token.token_hash == hash_token(secret) and secret not in (token.prefix, token.token_hash)
    assert secret.startswith(token.prefix) and len(secret) > 40
    assert token.is_full and token.organization_id == partner.id
    again = client.get("/account/api-tokens").get_data(as_text=True)
    assert secret not in again and token.prefix in again


def test_custom_access_cannot_ask_for_more_than_its_creator(client, login, partner):
    login(make_admin(partner, access=Access.CUSTOM, permissions=[Permission.CUSTOMER_DASHBOARD]))
    refused = _create(client, permissions=["customer-dashboard", "licensing"])
    assert refused.status_code == 422
    assert "you don&#39;t have Licensing" in refused.get_data(as_text=True)
    assert _create(client, access="full").status_code == 422
    assert db.session.scalar(select(ApiToken)) is None
    assert _create(client, permissions=["customer-dashboard"]).status_code == 200
    assert db.session.scalar(select(ApiToken)).permissions == {"customer-dashboard"}


@pytest.mark.parametrize("data, field", [({"name": ""}, "name"), ({"expires": "3"}, "expires")])
def test_bad_input_is_a_422(client, login, partner, data, field):
    login(make_admin(partner))
    assert _create(client, **data).status_code == 422
    assert db.session.scalar(select(ApiToken)) is None


def test_creating_needs_the_csrf_token(client, login, partner):
    login(make_admin(partner))
    response = client.post("/account/api-tokens", data={"name": "x", "expires": "30", "access": "full"}, csrf=False)
    assert response.status_code == 400
    assert db.session.scalar(select(ApiToken)) is None


def test_revoke_by_the_creator_and_by_a_full_access_administrator_only(client, login, partner):
    viewer = make_admin(partner, access=Access.CUSTOM, permissions=[Permission.CUSTOMER_DASHBOARD])
    boss = make_admin(partner)
    own = make_token(viewer, partner, Access.CUSTOM, [Permission.CUSTOMER_DASHBOARD])
    bosses = make_token(boss, partner)
    login(viewer)
    listed = client.get("/account/api-tokens").get_data(as_text=True)
    assert stored(own).prefix in listed and stored(bosses).prefix not in listed
    assert client.post(f"/account/api-tokens/{stored(bosses).id}/revoke").status_code == 303
    assert stored(bosses).revoked_at is None
    assert client.post(f"/account/api-tokens/{stored(own).id}/revoke").status_code == 303
    db.session.expire_all()
    assert stored(own).revoked_at is not None


def test_another_organizations_token_is_a_404(client, login, partner):
    rival = make_partner("Rival")
    secret = make_token(make_admin(rival), rival)
    login(make_admin(partner))
    assert client.post(f"/account/api-tokens/{stored(secret).id}/revoke").status_code == 404
    assert stored(secret).revoked_at is None


def test_revoking_needs_the_csrf_token(client, login, partner):
    user = make_admin(partner)
    secret = make_token(user, partner)
    login(user)
    assert client.post(f"/account/api-tokens/{stored(secret).id}/revoke", csrf=False).status_code == 400
    assert stored(secret).revoked_at is None
