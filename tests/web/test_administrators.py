"""Administrators: access granted through a partner connection ends with it, Remove with its
rules, invitations to join for people who already have an account, and who may accept a
partner's invitation."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from partner_portal.extensions import db
from partner_portal.models import (
    Access, Administrator, AdministratorInvitation, Connection, ConnectionMethod, Organization, Permission, Program,
    Tenancy, User,
)

from ..conftest import TEST_PASSWORD, CSRFClient, htmx_headers
from ..factories import connect, make_admin, make_org, make_partner, make_user


@pytest.fixture
def other_client(app):
    """A second browser, for a second person signed in at the same time."""
    app.test_client_class = CSRFClient
    return app.test_client()


def _sign_in(client, user: User) -> None:
    response = client.post("/sign-in", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]


def _admin(user: User, org: Organization) -> Administrator | None:
    return db.session.scalar(select(Administrator).where(
        Administrator.user_id == user.id, Administrator.organization_id == org.id))


@pytest.fixture
def added():
    """A partner whose administrator added a customer: the customer's own contact, and the
    partner's user as administrator through the connection (as Add a customer leaves them)."""
    partner = make_partner("Northwind")
    partner_user = make_admin(partner)
    customer = make_org("Gamma Retail", tenancy=Tenancy.MULTI)
    contact = make_admin(customer)
    link = connect(partner, customer, ConnectionMethod.ADDED)
    make_admin(customer, partner_user, via=link)
    return partner, partner_user, customer, contact, link


GOOD_CUSTOMER = {"company": "Gamma Retail", "first_name": "Ada", "last_name": "Lovelace",
                 "email": "ada@gamma.example.org", "phone": "+44 20 7946 0000", "country": "United Kingdom"}


def test_add_a_customer_records_the_partner_access_as_granted_by_the_connection(client, login):
    from partner_portal.demo.services import ensure_services

    ensure_services()
    partner = make_partner("Northwind")
    user = make_admin(partner)
    login(user)
    assert client.post("/customers/add", data=GOOD_CUSTOMER).status_code == 303
    customer = db.session.scalar(select(Organization).where(Organization.name == "Gamma Retail"))
    link = db.session.scalar(select(Connection).where(Connection.customer_id == customer.id))
    contact = db.session.scalar(select(User).where(User.email == GOOD_CUSTOMER["email"]))
    assert _admin(user, customer).via_connection_id == link.id
    assert _admin(contact, customer).via_connection_id is None
    # The phone and country asked for are kept and shown to the partner.
    assert (customer.contact_phone, customer.country) == ("+44 20 7946 0000", "United Kingdom")
    details = client.get(f"/customers/{customer.orgid}").get_data(as_text=True)
    assert "+44 20 7946 0000" in details and "United Kingdom" in details


@pytest.mark.parametrize("side", ["customer", "partner"])
def test_ending_the_connection_ends_the_partner_access_completely(client, other_client, added, side):
    partner, partner_user, customer, contact, link = added
    _sign_in(client, partner_user)
    # The partner's user works in the customer's account while connected.
    assert client.post(f"/account/switch/{customer.id}").status_code == 303
    assert "Gamma Retail" in client.get("/account/settings").get_data(as_text=True)
    client.post(f"/account/switch/{partner.id}")

    if side == "customer":
        _sign_in(other_client, contact)
        assert other_client.post(f"/account/partners/{link.id}/remove").status_code == 303
    else:
        assert client.post(f"/customers/{customer.orgid}/remove").status_code == 303

    assert _admin(partner_user, customer) is None
    assert client.post(f"/account/switch/{customer.id}").status_code == 404
    assert client.get(f"/customers/{customer.orgid}").status_code == 404
    assert client.get(f"/customers/{customer.orgid}/licensing").status_code == 404
    # The customer's own administrator is untouched.
    assert _admin(contact, customer).is_full


def test_a_session_inside_the_customer_loses_it_when_the_connection_ends(client, other_client, added):
    partner, partner_user, customer, contact, link = added
    _sign_in(client, partner_user)
    client.post(f"/account/switch/{customer.id}")
    _sign_in(other_client, contact)
    other_client.post(f"/account/partners/{link.id}/remove")
    # The next page falls back to an organization the user still administers.
    page = client.get("/account/settings").get_data(as_text=True)
    assert "<dt>Company name</dt><dd>Northwind</dd>" in page


def test_a_partner_granted_administrator_cannot_accept_its_own_invitation(client, added):
    partner, partner_user, customer, contact, link = added
    # A customer that removed the partner: the grant went with it. A partner user who
    # administers the customer some other way still can't consent for it.
    other = make_org("Delta Labs")
    make_admin(other, partner_user)
    _sign_in(client, partner_user)
    client.post(f"/account/switch/{other.id}")
    page = client.get(f"/invitations/{partner.invitation_token}").get_data(as_text=True)
    assert "You also work for Northwind" in page and ">Accept</button>" not in page
    response = client.post(f"/invitations/{partner.invitation_token}")
    assert response.status_code == 409
    assert db.session.scalar(select(Connection).where(Connection.customer_id == other.id)) is None


def test_access_granted_by_another_connection_cannot_accept_either(client):
    partner = make_partner("Northwind")
    rival = make_partner("Bluewave")
    customer = make_org("Gamma", tenancy=Tenancy.MULTI)
    make_admin(customer)
    link = connect(rival, customer, ConnectionMethod.ADDED)
    rival_user = make_admin(customer, via=link)
    _sign_in(client, rival_user)
    assert client.post(f"/invitations/{partner.invitation_token}").status_code == 409
    assert db.session.scalar(select(func.count()).select_from(Connection).where(
        Connection.partner_id == partner.id)) == 0


def test_settings_show_where_each_access_comes_from(client, added):
    partner, partner_user, customer, contact, link = added
    _sign_in(client, contact)
    page = client.get("/account/settings").get_data(as_text=True)
    row = page[page.index(f'id="admin-{_admin(partner_user, customer).id}"'):]
    assert "via Northwind" in row.split("</tr>")[0]
    own = page[page.index(f'id="admin-{_admin(contact, customer).id}"'):]
    assert "This account" in own.split("</tr>")[0]


# --- Remove --------------------------------------------------------------------------------

def test_remove_an_administrator_after_confirm(client, login):
    org = make_org("Acme")
    me = make_admin(org)
    other = make_admin(org, access=Access.CUSTOM)
    login(me)
    target = _admin(other, org)
    dialog = client.get(f"/account/administrators/{target.id}/remove", headers=htmx_headers()).get_data(as_text=True)
    assert "<dialog" in dialog and ">Remove</button>" in dialog and "<html" not in dialog
    # The dialog opens on the safe choice.
    assert dialog.index("data-autofocus") < dialog.index(">Remove</button>")
    assert "<html" in client.get(f"/account/administrators/{target.id}/remove").get_data(as_text=True)
    assert client.post(f"/account/administrators/{target.id}/remove").status_code == 303
    assert _admin(other, org) is None
    assert db.session.get(User, other.id) is not None  # the person's account stays


def test_the_last_full_access_administrator_cannot_be_removed_or_demoted(client, login):
    org = make_org("Acme")
    me = make_admin(org)
    login(me)
    mine = _admin(me, org)
    response = client.post(f"/account/administrators/{mine.id}/remove")
    assert response.status_code == 409 and "at least one full-access administrator" in response.get_data(as_text=True)
    response = client.post(f"/account/administrators/{mine.id}/access", data={"access": "custom"})
    assert response.status_code == 422 and "at least one full-access administrator" in response.get_data(as_text=True)
    assert _admin(me, org).is_full


def test_a_partner_granted_administrator_does_not_count_as_the_customers_own(client, added):
    partner, partner_user, customer, contact, link = added
    _sign_in(client, contact)
    mine = _admin(contact, customer)
    # Two full-access administrators, but one of them only while the connection lasts.
    response = client.post(f"/account/administrators/{mine.id}/access", data={"access": "custom"})
    assert response.status_code == 422
    assert _admin(contact, customer).is_full


def test_partner_granted_administrators_cannot_touch_the_customers_own(client, added):
    partner, partner_user, customer, contact, link = added
    colleague = make_admin(customer, access=Access.CUSTOM, permissions=[Permission.LICENSING])
    _sign_in(client, partner_user)
    client.post(f"/account/switch/{customer.id}")
    own = _admin(contact, customer)
    page = client.get("/account/settings").get_data(as_text=True)
    assert f"/account/administrators/{own.id}/access" not in page
    for url, data in [(f"/account/administrators/{own.id}/access", {"access": "custom"}),
                      (f"/account/administrators/{own.id}/remove", {}),
                      (f"/account/administrators/{_admin(colleague, customer).id}/remove", {})]:
        response = client.post(url, data=data)
        assert response.status_code in (409, 422), url
        assert "comes from a partner connection" in response.get_data(as_text=True)
    assert _admin(contact, customer).is_full and _admin(colleague, customer) is not None


def test_administrators_added_by_a_partner_granted_administrator_end_with_the_connection(client, other_client, added):
    partner, partner_user, customer, contact, link = added
    _sign_in(client, partner_user)
    client.post(f"/account/switch/{customer.id}")
    assert client.post("/account/administrators/new", data={"email": "helper@northwind.example",
                                                            "access": "full"}).status_code == 303
    existing = make_user("someone@northwind.example")
    client.post("/account/administrators/new", data={"email": existing.email, "access": "full"})
    helper = db.session.scalar(select(User).where(User.email == "helper@northwind.example"))
    assert _admin(helper, customer).via_connection_id == link.id
    invitation = db.session.scalar(select(AdministratorInvitation).where(AdministratorInvitation.user_id == existing.id))
    assert invitation.via_connection_id == link.id
    _sign_in(other_client, contact)
    other_client.post(f"/account/partners/{link.id}/remove")
    assert _admin(helper, customer) is None
    assert db.session.scalar(select(AdministratorInvitation).where(AdministratorInvitation.user_id == existing.id)) is None


def test_remove_is_for_full_access_administrators_of_the_same_organization(client, login):
    org = make_org("Acme")
    target_user = make_admin(org)
    other_org = make_org("Elsewhere")
    foreign = make_admin(other_org)
    make_admin(other_org)
    viewer = make_admin(org, access=Access.CUSTOM, permissions=[Permission.CUSTOMER_DASHBOARD])
    login(viewer)
    assert client.post(f"/account/administrators/{_admin(target_user, org).id}/remove").status_code == 403
    login(target_user)
    assert client.get(f"/account/administrators/{_admin(foreign, other_org).id}/remove").status_code == 404
    assert client.post(f"/account/administrators/{_admin(foreign, other_org).id}/remove").status_code == 404
    assert client.post(f"/account/administrators/{_admin(viewer, org).id}/remove", csrf=False).status_code == 400
    assert _admin(foreign, other_org) is not None and _admin(viewer, org) is not None


def test_removing_yourself_leaves_the_account(client, login):
    org = make_org("Acme")
    me = make_admin(org)
    make_admin(org)
    make_admin(make_org("Home Base"), me)
    login(me)
    client.post(f"/account/switch/{org.id}")
    response = client.post(f"/account/administrators/{_admin(me, org).id}/remove")
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert "<dt>Company name</dt><dd>Home Base</dd>" in client.get("/account/settings").get_data(as_text=True)


# --- invitations to join -------------------------------------------------------------------

def test_an_existing_person_is_invited_not_added(client, other_client, login):
    org = make_org("Acme")
    login(make_admin(org))
    person = make_user("person@example.org")
    make_admin(make_org("Their Own Company"), person)
    response = client.post("/account/administrators/new", data={
        "email": "Person@Example.org", "access": "custom", "permissions": [Permission.LICENSING.value]})
    assert response.status_code == 303
    assert _admin(person, org) is None
    invitation = db.session.scalar(select(AdministratorInvitation).where(AdministratorInvitation.user_id == person.id))
    assert invitation.organization_id == org.id and invitation.permissions == {"licensing"}
    invitation_id = invitation.id
    assert "Invitations not answered yet" in client.get("/account/settings").get_data(as_text=True)
    again = client.post("/account/administrators/new", data={"email": person.email, "access": "custom"})
    assert again.status_code == 422 and "already been invited" in again.get_data(as_text=True)

    _sign_in(other_client, person)
    assert "Acme" in other_client.get("/").get_data(as_text=True)
    assert "Acme" in other_client.get("/account/invitations").get_data(as_text=True)
    assert other_client.post(f"/account/invitations/{invitation_id}/accept").status_code == 303
    admin = _admin(person, org)
    assert admin is not None and admin.access is Access.CUSTOM and admin.can(Permission.LICENSING)
    assert db.session.get(AdministratorInvitation, invitation_id) is None


def test_declining_or_withdrawing_changes_nothing_else(client, other_client, login):
    org = make_org("Acme")
    login(make_admin(org))
    person = make_user()
    client.post("/account/administrators/new", data={"email": person.email, "access": "full"})
    first = db.session.scalar(select(AdministratorInvitation.id).where(AdministratorInvitation.user_id == person.id))
    _sign_in(other_client, person)
    assert other_client.post(f"/account/invitations/{first}/decline").status_code == 303
    assert db.session.get(AdministratorInvitation, first) is None and _admin(person, org) is None

    client.post("/account/administrators/new", data={"email": person.email, "access": "full"})
    second = db.session.scalar(select(AdministratorInvitation.id).where(AdministratorInvitation.user_id == person.id))
    assert client.post(f"/account/invitations/{second}/withdraw").status_code == 303
    assert other_client.post(f"/account/invitations/{second}/accept").status_code == 404
    assert _admin(person, org) is None


def test_someone_elses_invitation_is_a_404(client, login):
    org = make_org("Acme")
    person = make_user()
    invitation = AdministratorInvitation(organization_id=org.id, user_id=person.id, access=Access.FULL)
    db.session.add(invitation)
    db.session.flush()
    stranger = make_admin(make_org("Stranger"))
    login(stranger)
    for action in ("accept", "decline", "withdraw"):
        assert client.post(f"/account/invitations/{invitation.id}/{action}").status_code == 404
    assert db.session.get(AdministratorInvitation, invitation.id) is not None
    assert _admin(stranger, org) is None


# --- the invitation link is never written by a GET -------------------------------------------

def test_showing_the_invite_page_never_writes(client, login, count_queries):
    partner = make_partner("Northwind")
    partner.invitation_token = None
    db.session.flush()
    login(make_admin(partner))
    with count_queries() as statements:
        page = client.get("/customers/invite").get_data(as_text=True)
    assert not [s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert "Create the invitation link" in page
    assert client.post("/customers/invite").status_code == 303
    db.session.refresh(partner)
    assert partner.invitation_token and f"/invitations/{partner.invitation_token}" in client.get(
        "/customers/invite").get_data(as_text=True)


def test_joining_a_program_gives_the_invitation_link(app):
    from partner_portal.accounts.services import set_membership

    org = make_org("New Partner")
    assert org.invitation_token is None
    set_membership(org, Program.SERVICE_PROVIDER, active=True)
    db.session.refresh(org)
    assert org.invitation_token and len(org.invitation_token) >= 43
