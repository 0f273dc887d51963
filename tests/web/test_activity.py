"""The activity log: what writes to it (in the same transaction), who reads it, filters, export,
retention, and the connection history both sides see."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from partner_portal.audit.services import record
from partner_portal.extensions import db
from partner_portal.models import (
    Access, ActivityEntry, ActivityKind, Administrator, AdministratorInvitation, Connection, Permission, Program, Side,
    User, utcnow,
)

from ..conftest import htmx_headers
from ..factories import connect, make_admin, make_org, make_partner, make_user


def entries(org) -> list[tuple[str, str, str, str]]:
    """(kind, action, actor, summary) of an organization's log, oldest first."""
    return [(e.kind.value, e.action, e.actor_label, e.summary) for e in db.session.scalars(
        select(ActivityEntry).where(ActivityEntry.organization_id == org.id).order_by(ActivityEntry.id))]


def _entry(org, summary: str, kind=ActivityKind.CONNECTION, actor: str = "someone@example.org",
           when: datetime | None = None) -> ActivityEntry:
    entry = record(org.id, kind, "test", summary, label=actor)
    entry.occurred_at = when or utcnow()
    db.session.flush()
    return entry


# --- what writes to the log ------------------------------------------------------------------


def test_accepting_an_invitation_is_logged_on_both_sides(client, login):
    partner = make_partner("Northwind")
    customer = make_org("Acme")
    user = make_admin(customer)
    login(user)
    client.post(f"/invitations/{partner.invitation_token}")
    assert entries(partner) == [("connection", "connected", user.email,
                                 f"Acme (ORGID {customer.orgid}) accepted the invitation link and connected.")]
    assert entries(customer) == [("connection", "connected", user.email,
                                  f"Accepted the invitation of Northwind (ORGID {partner.orgid}) and connected.")]


def test_adding_a_customer_is_logged_on_both_sides(client, login):
    partner = make_partner("Northwind")
    user = make_admin(partner)
    login(user)
    client.post("/customers/add", data={"company": "Contoso", "first_name": "Ann", "last_name": "Lee",
                                        "email": "ann@contoso.example", "phone": "+47 22 00 00 00", "country": "Norway"})
    customer_id = db.session.scalar(select(Connection.customer_id).where(Connection.partner_id == partner.id))
    (kind, action, actor, summary), = entries(partner)
    assert (kind, action, actor) == ("connection", "added", user.email) and "Added the customer Contoso" in summary
    (kind, action, actor, summary), = entries(db.session.get(type(partner), customer_id))
    assert action == "added" and "Northwind" in summary and "created this account" in summary


@pytest.mark.parametrize("side", [Side.PARTNER, Side.CUSTOMER])
def test_ending_a_connection_is_logged_on_both_sides_with_the_side(client, login, side):
    partner = make_partner("Northwind")
    customer = make_org("Acme")
    partner_user, customer_user = make_admin(partner), make_admin(customer)
    link = connect(partner, customer)
    if side is Side.PARTNER:
        login(partner_user)
        client.post(f"/customers/{customer.orgid}/remove")
    else:
        login(customer_user)
        client.post(f"/account/partners/{link.id}/remove")
    (_, action, _, partner_summary), = entries(partner)
    (_, _, _, customer_summary), = entries(customer)
    assert action == "ended"
    if side is Side.PARTNER:
        assert "ended by your organization" in partner_summary and "ended by the partner" in customer_summary
    else:
        assert "ended by the customer" in partner_summary and "ended by your organization" in customer_summary


def test_a_refused_acceptance_writes_no_entry(client, login):
    partner = make_partner("Northwind")
    customer = make_org("Acme")
    login(make_admin(customer, access=Access.CUSTOM))
    assert client.post(f"/invitations/{partner.invitation_token}").status_code == 409
    assert entries(partner) == [] and entries(customer) == []


def test_administrator_changes_are_logged(client, login):
    org = make_org("Acme")
    boss = make_admin(org)
    existing = make_user("existing@example.org")
    login(boss)
    client.post("/account/administrators/new", data={"email": "new@example.org", "access": "custom",
                                                     "permissions": ["licensing"]})
    client.post("/account/administrators/new", data={"email": existing.email, "access": "full"})
    new_admin = db.session.scalar(select(Administrator).join(User, User.id == Administrator.user_id).where(User.email == "new@example.org"))
    client.post(f"/account/administrators/{new_admin.id}/access", data={"access": "full"})
    client.post(f"/account/administrators/{new_admin.id}/remove")
    invitation = db.session.scalar(select(AdministratorInvitation))
    client.post(f"/account/invitations/{invitation.id}/withdraw")
    assert [(action, summary) for _, action, _, summary in entries(org)] == [
        ("added", "Added new@example.org as an administrator with custom access (Licensing)."),
        ("invited", "Invited existing@example.org to become an administrator with full access."),
        ("access changed", "Changed the access of new@example.org to full access."),
        ("removed", "Removed new@example.org as an administrator."),
        ("withdrawn", "Withdrew the invitation of existing@example.org to become an administrator."),
    ]
    assert {actor for _, _, actor, _ in entries(org)} == {boss.email}


def test_accepting_and_declining_administrator_invitations_are_logged_as_the_invited_person(client, login):
    org = make_org("Acme")
    person = make_user("person@example.org")
    db.session.add_all([AdministratorInvitation(organization_id=org.id, user_id=person.id, access=Access.FULL)])
    other = make_org("Other")
    db.session.add(AdministratorInvitation(organization_id=other.id, user_id=person.id))
    db.session.flush()
    first, second = db.session.scalars(select(AdministratorInvitation.id).order_by(AdministratorInvitation.id)).all()
    login(person)
    client.post(f"/account/invitations/{first}/accept")
    client.post(f"/account/invitations/{second}/decline")
    assert entries(org) == [("administrator", "joined", person.email, "person@example.org accepted the invitation "
                                                                      "and is now an administrator with full access.")]
    assert entries(other) == [("administrator", "declined", person.email,
                               "person@example.org declined the invitation to become an administrator.")]


def test_membership_changes_from_the_command_line_are_logged(app):
    org = make_org("Acme")
    runner = app.test_cli_runner()
    db.session.commit()
    runner.invoke(args=["grant-program", org.orgid, "service-provider"])
    runner.invoke(args=["grant-program", org.orgid, "service-provider"])  # no change: no entry
    runner.invoke(args=["grant-program", org.orgid, "service-provider", "--lapse"])
    assert [(kind, action, actor) for kind, action, actor, _ in entries(org)] == [
        ("membership", "granted", "Command line"), ("membership", "lapsed", "Command line")]


def test_the_log_is_append_only():
    entry = _entry(make_org(), "Something happened.")
    entry.summary = "Rewritten"
    with pytest.raises(TypeError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    entry = _entry(make_org(), "Something else.")
    db.session.delete(entry)
    with pytest.raises(TypeError, match="append-only"):
        db.session.flush()
    db.session.rollback()


# --- reading it ------------------------------------------------------------------------------


@pytest.fixture
def org_with_log(client, login):
    """A signed-in full-access administrator of an organization with a few log entries."""
    org = make_org("Acme")
    user = make_admin(org)
    now = utcnow()
    _entry(org, "Old connection.", when=now - timedelta(days=20), actor="ann@example.org")
    _entry(org, "Administrator added.", kind=ActivityKind.ADMINISTRATOR, when=now - timedelta(days=5),
           actor="bob@example.org")
    _entry(org, "=HYPERLINK(\"http://evil\")", kind=ActivityKind.ALLOCATION, when=now - timedelta(days=1),
           actor="ann@example.org")
    _entry(make_org("Other"), "Secret of another organization.")
    login(user)
    return org, user


def test_full_access_administrators_read_their_own_log(client, org_with_log):
    response = client.get("/account/activity")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" in page
    assert "Old connection." in page and "Administrator added." in page
    assert "Secret of another organization." not in page
    assert page.index("Administrator added.") < page.index("Old connection.")  # newest first
    assert "Activity log" in client.get("/account/settings").get_data(as_text=True)


def test_the_log_is_closed_to_custom_access_administrators(client, login):
    org = make_org("Acme")
    _entry(org, "Administrator added.")
    login(make_admin(org, access=Access.CUSTOM, permissions=list(Permission)))
    assert client.get("/account/activity").status_code == 403
    assert client.get("/account/activity.csv").status_code == 403
    assert "Open the activity log" not in client.get("/account/settings").get_data(as_text=True)


def test_signed_out_visitors_are_sent_to_sign_in(client):
    assert client.get("/account/activity").status_code == 303


@pytest.mark.parametrize("query, present, absent", [
    ("kind=administrator", ["Administrator added."], ["Old connection."]),
    ("person=ann%40example.org", ["Old connection."], ["Administrator added."]),
    ("from={d10}", ["Administrator added."], ["Old connection."]),
    ("to={d10}", ["Old connection."], ["Administrator added."]),
    ("kind=nonsense", ["Old connection.", "Administrator added."], []),
])
def test_filters(client, org_with_log, query, present, absent):
    query = query.format(d10=(utcnow() - timedelta(days=10)).date().isoformat())
    response = client.get(f"/account/activity?{query}", headers=htmx_headers(**{"HX-Target": "activity-results"}))
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert body.lstrip().startswith('<section id="activity-results"')
    for text in present:
        assert text in body
    for text in absent:
        assert text not in body


@pytest.mark.parametrize("query, message", [
    ("from=yesterday", "Enter a date as YYYY-MM-DD."),
    ("from=2026-02-30", "Enter a date as YYYY-MM-DD."),
    ("from=2026-03-02&to=2026-03-01", "The end date is before the start date."),
])
def test_a_bad_date_is_422_with_a_message(client, org_with_log, query, message):
    response = client.get(f"/account/activity?{query}")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_history_restore_gets_the_full_page(client, org_with_log):
    response = client.get("/account/activity?kind=connection", headers=htmx_headers(
        **{"HX-History-Restore-Request": "true", "HX-Target": "activity-results"}))
    assert "<html" in response.get_data(as_text=True)


def test_paging_goes_to_older_entries(client, login, monkeypatch):
    from partner_portal.audit import queries

    monkeypatch.setattr(queries, "PAGE_SIZE", 2)
    org = make_org("Acme")
    for n in range(5):
        _entry(org, f"Entry {n}.", when=utcnow() - timedelta(hours=10 - n))
    login(make_admin(org))
    first = client.get("/account/activity").get_data(as_text=True)
    assert "Entry 4." in first and "Entry 3." in first and "Entry 2." not in first
    older = first.split('class="pager"><a href="')[1].split('"')[0].replace("&amp;", "&")
    second = client.get(older).get_data(as_text=True)
    assert "Entry 2." in second and "Entry 1." in second and "Entry 3." not in second


def test_the_page_costs_the_same_queries_for_2_and_50_entries(client, login, count_queries):
    org = make_org("Acme")
    login(make_admin(org))
    counts = []
    for total in (2, 50):
        db.session.execute(ActivityEntry.__table__.delete().where(ActivityEntry.organization_id == org.id))
        for n in range(total):
            _entry(org, f"Entry {n}.", actor=f"person{n}@example.org")
        db.session.commit()
        with count_queries() as queries:
            assert client.get("/account/activity").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_csv_export_follows_the_filters_and_neutralises_formulas(client, org_with_log):
    response = client.get("/account/activity.csv?person=ann%40example.org")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["When (UTC)", "Kind", "Action", "Person", "Target", "Summary"]
    assert [row[5] for row in rows[1:]] == ["'=HYPERLINK(\"http://evil\")", "Old connection."]
    assert {row[3] for row in rows[1:]} == {"ann@example.org"}


# --- retention ---------------------------------------------------------------------------------


def test_purge_deletes_only_entries_past_retention_in_batches(app):
    org = make_org("Acme")
    now = utcnow()
    for days in (200, 120, 91, 89, 1):
        _entry(org, f"{days} days ago.", when=now - timedelta(days=days))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["activity", "purge", "--batch-size", "2"])
    assert result.exit_code == 0 and "Purged 3 activity-log entries" in result.output
    assert [summary for *_, summary in entries(org)] == ["89 days ago.", "1 days ago."]


def test_the_retention_is_a_setting(app, monkeypatch):
    from partner_portal.audit.services import purge_expired

    org = make_org("Acme")
    _entry(org, "Ten days ago.", when=utcnow() - timedelta(days=10))
    monkeypatch.setitem(app.config, "ACTIVITY_RETENTION_DAYS", 30)
    assert purge_expired() == 0
    monkeypatch.setitem(app.config, "ACTIVITY_RETENTION_DAYS", 7)
    assert purge_expired() == 1


# --- connection history --------------------------------------------------------------------------


def test_connection_history_shows_to_the_partner_in_customer_details(client, login):
    partner = make_partner("Northwind")
    customer = make_org("Acme")
    remover = make_user("leaver@acme.example")
    old = connect(partner, customer)
    old.created_at = datetime(2024, 1, 5, tzinfo=timezone.utc)
    old.ended_at, old.ended_by_side, old.ended_by_id = datetime(2024, 6, 1, tzinfo=timezone.utc), Side.CUSTOMER, remover.id
    db.session.flush()
    connect(partner, customer).created_by_id = remover.id
    elsewhere = connect(make_partner("Rival"), customer)
    elsewhere.created_at = datetime(2023, 1, 1, tzinfo=timezone.utc)
    login(make_admin(partner))
    page = client.get(f"/customers/{customer.orgid}").get_data(as_text=True)
    history = page[page.index('id="connection-history"'):]
    assert "Connection history" in history and "Jan 5, 2024" in history and "Jun 1, 2024" in history
    assert "by the customer (leaver@<wbr>acme.example)" in history and "Still connected" in history
    assert "Jan 1, 2023" not in history  # another partner's connection with the same customer


def test_connection_history_shows_to_the_customer_under_partner_connections(client, login):
    partner = make_partner("Northwind")
    customer = make_org("Acme")
    user = make_admin(customer)
    old = connect(partner, customer)
    old.ended_at, old.ended_by_side = utcnow() - timedelta(days=3), Side.PARTNER
    connect(make_partner("Rival"), customer)
    login(user)
    page = client.get("/account/settings").get_data(as_text=True)
    history = page[page.index('id="connection-history"'):page.index('id="administrators"')]
    assert page.index('id="partner-connections"') < page.index('id="connection-history"')
    assert "Northwind" in history and "Rival" in history and "by the partner" in history
    assert "Invitation accepted" in history


def test_entries_are_in_time_order_even_when_written_out_of_order(client, login, monkeypatch):
    from partner_portal.audit import queries

    monkeypatch.setattr(queries, "PAGE_SIZE", 2)
    org = make_org("Acme")
    now = utcnow()
    for hours in (3, 1, 4, 2):  # ids and times disagree
        _entry(org, f"{hours} hours ago.", when=now - timedelta(hours=hours))
    login(make_admin(org))
    first = client.get("/account/activity").get_data(as_text=True)
    assert first.index("1 hours ago.") < first.index("2 hours ago.") and "3 hours ago." not in first
    older = first.split('class="pager"><a href="')[1].split('"')[0].replace("&amp;", "&")
    second = client.get(older).get_data(as_text=True)
    assert second.index("3 hours ago.") < second.index("4 hours ago.") and "2 hours ago." not in second
