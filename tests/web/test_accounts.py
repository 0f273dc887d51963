"""Account Settings, administrators and the organization switcher."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from partner_portal.extensions import db
from partner_portal.models import Access, Administrator, Permission, Program, User

from ..conftest import htmx_headers
from ..factories import make_admin, make_org, make_partner, make_user


def test_account_settings_shows_orgid_and_badges(client, login):
    partner = make_partner("Northwind", programs=[Program.SOLUTION_ADVISOR, Program.SERVICE_PROVIDER])
    login(make_admin(partner))
    page = client.get("/account/settings").get_data(as_text=True)
    assert partner.orgid in page
    assert "Solution Advisor" in page and "Service Provider" in page
    assert "Administrators" in page


def test_lapsed_membership_shows_no_badge_in_the_menu(client, login):
    org = make_org("Old Mill", programs=[Program.SOLUTION_ADVISOR], lapsed=True)
    login(make_admin(org))
    page = client.get("/").get_data(as_text=True)
    menu = page[page.index('id="customer-menu"'):]
    assert "badge-solution-advisor" not in menu.split("</details>")[0]


def test_settings_fragment_and_history_restore(client, login):
    login(make_admin(make_org("Acme")))
    fragment = client.get("/account/settings", headers=htmx_headers()).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="settings-main">') and "<html" not in fragment
    restored = client.get("/account/settings", headers=htmx_headers(**{"HX-History-Restore-Request": "true"}))
    assert "<html" in restored.get_data(as_text=True)


def test_full_access_admin_adds_a_custom_administrator(client, login):
    org = make_org()
    login(make_admin(org))
    response = client.post("/account/administrators/new", data={
        "email": "new.person@example.org", "name": "New Person", "access": "custom",
        "permissions": [Permission.CUSTOMER_DASHBOARD.value]})
    assert response.status_code == 303
    user = db.session.scalar(select(User).where(User.email == "new.person@example.org"))
    assert user.password_hash is None
    admin = db.session.scalar(select(Administrator).where(Administrator.user_id == user.id))
    assert admin.access is Access.CUSTOM and admin.can(Permission.CUSTOMER_DASHBOARD)
    assert not admin.can(Permission.LICENSING)


@pytest.mark.parametrize("data, message", [
    ({"email": "not-an-email", "access": "custom"}, "Enter a valid email address."),
    ({"email": "", "access": "custom"}, "Enter the person&#39;s email."),
    ({"email": "x@example.org", "access": "root"}, "Not a valid choice"),
    ({"email": "x@example.org", "access": "custom", "permissions": ["superpowers"]}, "not a valid choice"),
    ({"email": "x@example.org", "access": "custom", "name": "n" * 121}, "Use at most 120 characters."),
])
def test_bad_administrator_input_gets_422_and_writes_nothing(client, login, data, message):
    org = make_org()
    login(make_admin(org))
    before = db.session.scalar(select(db.func.count()).select_from(User))
    response = client.post("/account/administrators/new", data=data)
    assert response.status_code == 422
    assert message.lower() in response.get_data(as_text=True).lower()
    assert db.session.scalar(select(db.func.count()).select_from(User)) == before


def test_adding_an_existing_administrator_is_refused(client, login):
    org = make_org()
    me = make_admin(org)
    login(me)
    response = client.post("/account/administrators/new", data={"email": me.email.upper(), "access": "full"})
    assert response.status_code == 422
    assert "already an administrator" in response.get_data(as_text=True)


def test_custom_access_admin_cannot_manage_administrators(client, login):
    org = make_org()
    make_admin(org)
    login(make_admin(org, access=Access.CUSTOM, permissions=[Permission.CUSTOMER_DASHBOARD]))
    assert "Add administrator" not in client.get("/account/settings").get_data(as_text=True)
    assert client.get("/account/administrators/new").status_code == 403
    response = client.post("/account/administrators/new", data={"email": "x@example.org", "access": "full"})
    assert response.status_code == 403
    assert db.session.scalar(select(User).where(User.email == "x@example.org")) is None


def test_last_full_access_admin_cannot_be_demoted(client, login):
    org = make_org()
    me = make_admin(org)
    login(me)
    admin = db.session.scalar(select(Administrator).where(Administrator.user_id == me.id))
    response = client.post(f"/account/administrators/{admin.id}/access", data={"access": "custom"})
    assert response.status_code == 422
    assert "at least one full-access administrator" in response.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.access is Access.FULL


def test_editing_another_orgs_administrator_is_a_404(client, login):
    mine, theirs = make_org(), make_org()
    login(make_admin(mine))
    other = make_admin(theirs)
    their_admin = db.session.scalar(select(Administrator).where(Administrator.user_id == other.id))
    assert client.get(f"/account/administrators/{their_admin.id}/access").status_code == 404
    assert client.post(f"/account/administrators/{their_admin.id}/access", data={"access": "custom"}).status_code == 404


def test_switching_organization(client, login):
    first, second = make_org("First Co"), make_org("Second Co")
    user = make_admin(first)
    make_admin(second, user)
    login(user)
    assert "Second Co" in client.get("/").get_data(as_text=True)  # offered in the switcher
    response = client.post(f"/account/switch/{second.id}")
    assert response.status_code == 303
    page = client.get("/account/settings").get_data(as_text=True)
    assert f'<span data-orgid>{second.orgid}</span>' in page


def test_cannot_switch_into_an_org_you_do_not_administer(client, login):
    mine, theirs = make_org("Mine"), make_org("Theirs")
    login(make_admin(mine))
    assert client.post(f"/account/switch/{theirs.id}").status_code == 404
    assert "Mine" in client.get("/account/settings").get_data(as_text=True)


def test_switch_requires_csrf(client, login):
    first, second = make_org(), make_org()
    user = make_admin(first)
    make_admin(second, user)
    login(user)
    assert client.post(f"/account/switch/{second.id}", csrf=False).status_code == 400


def test_orgid_is_numeric_unique_and_immutable():
    org = make_org()
    assert org.orgid.isdigit() and len(org.orgid) == 10
    with pytest.raises(ValueError):
        org.orgid = "1234567890" if org.orgid != "1234567890" else "1234567891"


def test_emails_are_unique_case_insensitively():
    from sqlalchemy.exc import IntegrityError

    make_user("Same@Example.org")
    with pytest.raises(IntegrityError):
        make_user("same@example.org")
