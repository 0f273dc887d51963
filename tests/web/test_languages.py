"""Languages: the Account Settings choice, else the browser's Accept-Language, else English; dates,
numbers and percentages per locale."""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import select

from partner_portal.extensions import db
from partner_portal.models import User
from partner_portal.web import i18n

from ..conftest import htmx_headers
from ..factories import make_admin, make_org

GERMAN = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}


def _locale_of(user_id: int) -> str | None:
    db.session.expire_all()
    return db.session.scalar(select(User.locale).where(User.id == user_id))


def test_a_browser_asking_for_german_gets_german(client, login):
    login(make_admin(make_org("Acme")))
    german = client.get("/account/settings", headers=GERMAN).get_data(as_text=True)
    english = client.get("/account/settings", headers={"Accept-Language": "fr-FR,en;q=0.5"}).get_data(as_text=True)
    assert "Sprache speichern" in german and "Save language" not in german
    assert "Save language" in english and "Sprache speichern" not in english


def test_the_choice_in_account_settings_beats_the_browser(client, login):
    admin = make_admin(make_org("Acme"))
    login(admin)
    response = client.post("/account/settings/language", data={"language": "en"}, headers=GERMAN)
    assert response.status_code == 303 and _locale_of(admin.id) == "en"
    assert "Save language" in client.get("/account/settings", headers=GERMAN).get_data(as_text=True)

    # With htmx the page reloads (it is the page already shown: a redirect would only scroll).
    saved = client.post("/account/settings/language", data={"language": "de"}, headers=htmx_headers())
    assert saved.headers["HX-Refresh"] == "true"
    page = client.get("/account/settings").get_data(as_text=True)  # no Accept-Language at all
    assert _locale_of(admin.id) == "de" and "Sprache speichern" in page
    assert "Ihre Sprache ist gespeichert." in page  # the confirmation speaks the new language

    # The empty choice goes back to following the browser.
    client.post("/account/settings/language", data={"language": ""})
    assert _locale_of(admin.id) is None
    assert "Save language" in client.get("/account/settings").get_data(as_text=True)


def test_an_unknown_language_is_refused_and_nothing_is_written(client, login):
    admin = make_admin(make_org("Acme"))
    login(admin)
    client.post("/account/settings/language", data={"language": "de"})
    response = client.post("/account/settings/language", data={"language": "fr"})
    assert response.status_code == 422
    assert _locale_of(admin.id) == "de"
    assert 'aria-invalid="true"' in response.get_data(as_text=True)


def test_the_choice_needs_a_signed_in_person_and_a_csrf_token(client, login):
    anonymous = client.post("/account/settings/language", data={"language": "de"})
    assert anonymous.status_code in (302, 303) and "/sign-in" in anonymous.headers["Location"]
    admin = make_admin(make_org("Acme"))
    login(admin)
    refused = client.post("/account/settings/language", data={"language": "de"}, csrf=False)
    assert refused.status_code == 400 and _locale_of(admin.id) is None


def test_dates_numbers_and_percentages_follow_the_locale(app):
    day = date(2026, 11, 30)
    moment = datetime(2026, 11, 30, 13, 5, 9, tzinfo=timezone.utc)
    with app.app_context(), app.test_request_context(headers=GERMAN):
        assert i18n.current().language == "de"
        assert i18n.format_date(day) == "30.11.2026"
        assert i18n.format_datetime(moment) == "30.11.2026, 13:05"
        assert i18n.format_datetime(moment, seconds=True) == "30.11.2026, 13:05:09"
        assert i18n.format_number(1234567) == "1.234.567"
        assert i18n.format_number(1234.5, 2) == "1.234,50"
        assert i18n.format_percent(87.5, 1) == "87,5\xa0%"
        assert i18n.format_percent(87) == "87\xa0%"
    with app.app_context(), app.test_request_context():
        assert i18n.current().language == "en"
        assert i18n.format_date(day) == "Nov 30, 2026"
        assert i18n.format_datetime(moment).replace("\u202f", " ") == "Nov 30, 2026, 1:05 PM"
        assert i18n.format_number(1234567) == "1,234,567"
        assert i18n.format_number(1234.5, 2) == "1,234.50"
        assert i18n.format_percent(87.5, 1) == "87.5%"
        assert i18n.format_percent(None) == "—"


def test_lazy_text_is_escaped_like_any_string(app):
    # Flask-Babel's own lazy strings pass for markup; the portal's are escaped when shown.
    with app.app_context(), app.test_request_context():
        message = i18n.lazy_gettext("Removed %(name)s.", name="<b>Acme</b>")
        rendered = app.jinja_env.from_string("{{ m }}").render(m=message)
    assert rendered == "Removed &lt;b&gt;Acme&lt;/b&gt;."




def test_the_api_speaks_english_to_a_german_browser(app, client):
    english = client.get("/api/v1/customers").get_json()
    assert client.get("/api/v1/customers", headers=GERMAN).get_json() == english
    with app.app_context(), app.test_request_context("/api/v1/customers", headers=GERMAN):
        assert i18n.select_locale() == "en"
    with app.app_context(), app.test_request_context("/customers", headers=GERMAN):
        assert i18n.select_locale() == "de"


def test_whole_numbers_take_the_fast_path_to_babels_answer(app):
    # format_number groups whole numbers itself (Babel's general path is slow per call); the
    # result must be Babel's, in both languages, for any size and sign.
    from babel import numbers

    values = [0, 7, -5, 999, 1000, -1234, 1234567, 10**12, 2**63]
    for headers, code in ((GERMAN, "de"), ({}, "en")):
        with app.app_context(), app.test_request_context(headers=headers):
            assert [i18n.format_number(v) for v in values] == [numbers.format_decimal(v, locale=code) for v in values]
