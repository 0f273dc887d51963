"""The portal's own notifications are written once and read in each reader's language: the lists,
the detail page and the email copies render the stored message; title and body keep the English."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select, update

from partner_portal.extensions import db
from partner_portal.models import Notification, NotificationSource, User
from partner_portal.notifications import messages, rules
from partner_portal.notifications.services import notify

from ..factories import connect, make_admin, make_org, make_partner
from ..licensing_factories import make_service
from .test_mail_delivery import held, mail_to, smtp, smtp_port  # noqa: F401 (fixtures)
from .test_notification_email import _received, _subscribe

GERMAN = {"Accept-Language": "de-DE,de;q=0.9"}


def _speaks_german(user) -> None:
    db.session.execute(update(User).where(User.id == user.id).values(locale="de"))
    db.session.flush()


def test_a_rule_notification_is_stored_in_english_and_read_in_german(app, client, login):
    make_service("daas-user")
    org = make_org("Alpha Health")
    end = date.today() + timedelta(days=30)
    from partner_portal.models import Entitlement

    db.session.add(
        Entitlement(
            organization_id=org.id,
            service_code="daas-user",
            start_date=date.today() - timedelta(days=300),
            end_date=end,
            license_count=10,
        )
    )
    db.session.flush()
    rules.generate(date.today())
    note = db.session.scalar(select(Notification).where(Notification.organization_id == org.id))
    assert note.title.endswith("expires in 30 days") and note.message["title"]["m"] == "%(service)s expires in %(days)s days"

    login(make_admin(org))
    english = client.get("/notifications/mine").get_data(as_text=True)
    german = client.get("/notifications/mine", headers=GERMAN).get_data(as_text=True)
    assert "expires in 30 days" in english
    assert "läuft in 30 Tagen ab" in german and "expires in 30 days" not in german
    detail = client.get(f"/notifications/mine/{note.id}", headers=GERMAN).get_data(as_text=True)
    assert "läuft in 30 Tagen ab" in detail
    assert f"endet am {end:%d.%m.%Y}" in detail  # the body, with the date in the German style


def test_a_connection_notification_reads_in_german_with_its_parts(client, login):
    partner, customer = make_partner("Northwind"), make_org("Alpha Health")
    connect(partner, customer)
    login(make_admin(partner))
    assert client.post(f"/customers/{customer.orgid}/remove").status_code == 303
    login(make_admin(customer))
    page = client.get("/notifications/mine", headers=GERMAN).get_data(as_text=True)
    assert "Northwind hat die Verbindung entfernt" in page
    note = db.session.scalar(select(Notification).where(Notification.organization_id == customer.id))
    detail = client.get(f"/notifications/mine/{note.id}", headers=GERMAN).get_data(as_text=True)
    assert "sieht Ihre Kontoinformationen nicht mehr" in detail


def test_the_email_copy_is_in_the_recipients_language(client, login, smtp, mail_to):
    partner, customer = make_partner("Northwind"), make_org("Alpha Health")
    connect(partner, customer)
    german, english = make_admin(customer), make_admin(customer)
    _speaks_german(german)
    _subscribe(german, customer, NotificationSource.CONNECTION)
    _subscribe(english, customer, NotificationSource.CONNECTION)
    login(make_admin(partner))
    assert client.post(f"/customers/{customer.orgid}/remove").status_code == 303
    [to_german] = _received(smtp, german.email)
    [to_english] = _received(smtp, english.email)
    assert "Northwind hat die Verbindung entfernt" in to_german["Subject"]
    assert "hat die Verbindung mit Ihrer Organisation beendet" in to_german.get_content()
    assert to_english["Subject"] == "Info: Northwind removed its connection"


def test_text_stored_as_written_and_unknown_messages_read_as_stored(app):
    org = make_org("Alpha Health")
    written = notify(org.id, "Maintenance on Sunday", "The portal is down 02:00–03:00 UTC.")
    db.session.flush()
    assert written.message is None
    with app.app_context(), app.test_request_context(headers=GERMAN):
        assert messages.shown(None, "title", "Maintenance on Sunday") == "Maintenance on Sunday"
        # A message whose values the code no longer knows falls back to the stored English.
        broken = {"title": {"m": "%(service)s expires today", "p": {}}}
        assert messages.shown(broken, "title", "Gateway expires today") == "Gateway expires today"
        known = {"title": messages.stored_message("%(service)s expires today", service="Gateway")}
        assert messages.shown(known, "title", "Gateway expires today") == "Gateway läuft heute ab"
        assert messages.render(messages.number(12345)) == "12.345"
