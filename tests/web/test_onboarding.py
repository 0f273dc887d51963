"""Completing the onboarding: the first sign-in of a single-tenant administrator created by
customer service, from a signed, expiring, single-use link."""
from __future__ import annotations

import re

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from partner_portal import jobs
from partner_portal.extensions import db
from partner_portal.models import ActivityEntry, Organization, OutgoingMail, SupportRequest, User

from ..allocation_factories import make_request
from ..conftest import htmx_headers
from ..factories import connect, make_admin, make_partner, make_user

NEW_PASSWORD = "a long new password"
FIELDS = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "company": "Contoso Clinics AS", "country": "Norway"}


@pytest.fixture
def onboarding(client, login, monkeypatch):
    """An OrgID request resolved by an operator; returns (link path, person, org, partner) and
    leaves the client signed out."""
    monkeypatch.setattr(jobs, "enqueue", lambda job: True)  # keep the email's body in the outbox
    partner = make_partner("Northwind")
    request = make_request(partner, company="Contoso Clinics", contact_name="Ann Lee",
                           contact_email="ann@contoso.example", country="Norge")
    login(make_user("operator@example.org", operator=True))
    assert client.post(f"/operator/requests/{request.id}/resolve").status_code == 303
    client.post("/sign-out")
    mail = db.session.scalar(select(OutgoingMail).where(OutgoingMail.recipient == "ann@contoso.example"))
    path = re.search(r"http://localhost(/onboarding/\S+)", mail.body).group(1)
    db.session.expire_all()
    org = db.session.get(Organization, db.session.get(SupportRequest, request.id).customer_id)
    return path, db.session.scalar(select(User).where(User.email == "ann@contoso.example")), org, partner


def test_the_page_names_the_account_and_the_partner(client, onboarding):
    path, person, org, partner = onboarding
    page = client.get(path).get_data(as_text=True)
    assert "Complete the onboarding" in page and org.orgid in page and "at the request of Northwind" in page
    assert 'value="Contoso Clinics"' in page and 'value="Norge"' in page  # prefilled, to confirm


def test_completing_sets_the_password_and_details_and_lands_on_account_settings(client, onboarding):
    path, person, org, partner = onboarding
    response = client.post(path, data=FIELDS)
    assert response.status_code == 303 and response.headers["Location"] == "/account/settings#partner-connections"
    settings = client.get("/account/settings").get_data(as_text=True)  # signed in already
    assert "Welcome to Partner Portal: Contoso Clinics AS is ready." in settings
    assert "open the invitation link Northwind sends you and select Accept" in settings
    assert 'id="awaiting-partner"' in settings
    db.session.expire_all()
    assert (org.name, org.country) == ("Contoso Clinics AS", "Norway")
    (entry,) = db.session.scalars(select(ActivityEntry).where(ActivityEntry.organization_id == org.id,
                                                              ActivityEntry.action == "onboarded"))
    assert entry.actor_label == "ann@contoso.example"
    client.post("/sign-out")
    assert client.post("/sign-in", data={"email": "ann@contoso.example", "password": NEW_PASSWORD}).status_code == 303


def test_the_notice_goes_once_the_partner_is_connected(client, login, onboarding):
    path, person, org, partner = onboarding
    client.post(path, data=FIELDS)
    connect(partner, org)
    assert 'id="awaiting-partner"' not in client.get("/account/settings").get_data(as_text=True)


def test_the_link_works_once(client, onboarding):
    path, *_ = onboarding
    assert client.post(path, data=FIELDS).status_code == 303
    client.post("/sign-out")
    again = client.get(path)
    assert again.status_code == 400 and "already been used" in again.get_data(as_text=True)
    assert client.post(path, data={**FIELDS, "company": "Hijacked"}).status_code == 400
    db.session.expire_all()
    assert db.session.scalar(select(Organization.name).where(Organization.name == "Hijacked")) is None


def test_setting_a_password_another_way_spends_the_link(client, onboarding):
    from partner_portal.auth.services import reset_token, use_reset_link

    path, person, *_ = onboarding
    use_reset_link(reset_token(person), "another long password")
    assert "already been used" in client.get(path).get_data(as_text=True)


def test_an_expired_or_tampered_link_is_refused(app, client, onboarding, monkeypatch):
    path, *_ = onboarding
    monkeypatch.setitem(app.config, "ONBOARDING_LINK_MAX_AGE", -1)
    expired = client.get(path)
    assert expired.status_code == 400 and "has expired" in expired.get_data(as_text=True)
    monkeypatch.setitem(app.config, "ONBOARDING_LINK_MAX_AGE", 3600)
    tampered = client.get(path[:-3] + "abc")
    assert tampered.status_code == 400 and "is not valid" in tampered.get_data(as_text=True)


def test_a_password_reset_token_is_not_an_onboarding_link(app, client, onboarding):
    from partner_portal.auth.services import reset_token

    path, person, *_ = onboarding
    with app.test_request_context():
        token = reset_token(person)
    assert client.get(f"/onboarding/{token}").status_code == 400


def test_a_link_for_an_organization_the_person_does_not_administer_is_refused(app, client, onboarding):
    path, person, org, partner = onboarding
    with app.test_request_context():
        data = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="onboarding").loads(path.rsplit("/", 1)[1])
        forged = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="onboarding").dumps({**data, "o": partner.id})
    assert client.get(f"/onboarding/{forged}").status_code == 400


@pytest.mark.parametrize("fields, message", [
    ({**FIELDS, "password": "short", "confirm": "short"}, "Use between 10 and 1024 characters."),
    ({**FIELDS, "confirm": "something else entirely"}, "The two passwords differ."),
    ({**FIELDS, "company": ""}, "Enter the company&#39;s name."),
    ({**FIELDS, "country": ""}, "Enter the country."),
])
def test_bad_input_gets_422_and_writes_nothing(client, onboarding, fields, message):
    path, person, org, partner = onboarding
    response = client.post(path, data=fields, headers=htmx_headers())
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and message in body and body.lstrip().startswith('<form id="onboarding-form"')
    db.session.expire_all()
    assert db.session.get(User, person.id).password_hash is None
    assert db.session.get(Organization, org.id).name == "Contoso Clinics"


def test_completing_needs_csrf(client, onboarding):
    path, person, *_ = onboarding
    assert client.post(path, data=FIELDS, csrf=False).status_code == 400
    db.session.expire_all()
    assert db.session.get(User, person.id).password_hash is None


def test_a_signed_in_visitor_completing_someone_elses_link_becomes_that_person(client, login, onboarding):
    path, person, org, partner = onboarding
    login(make_admin(partner, make_user("someone@example.org")))
    assert client.post(path, data=FIELDS).status_code == 303
    page = client.get("/account/settings").get_data(as_text=True)
    assert "Signed in as ann@contoso.example" in page and "Contoso Clinics AS" in page
