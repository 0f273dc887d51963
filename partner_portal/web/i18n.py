"""Languages: every user-facing string goes through Flask-Babel, in English (the source language)
and German (`partner_portal/translations/de`).

The language of a request is the signed-in user's choice in Account Settings, or else the best
match for the browser's Accept-Language, or else English. Email goes out in the recipient's
chosen language (English when they chose none: a background job has no browser to ask).

Dates, numbers and percentages are formatted by the filters and functions below, per locale,
through Babel's CLDR data, so a template or a chart label never formats them by hand.

Catalogue workflow (docs/i18n.md): `pybabel extract -F babel.cfg -o /tmp/messages.pot .`, then
`pybabel update -i /tmp/messages.pot -d partner_portal/translations`, translate, and
`pybabel compile -d partner_portal/translations`. tests/unit/test_i18n_catalogue.py fails on an
untranslated, fuzzy, stale or missing entry and on a compiled catalogue older than its source;
tests/unit/test_i18n_templates.py fails on template text outside the translation calls.
"""

from __future__ import annotations

import functools
from contextlib import contextmanager
from datetime import date, datetime, timezone

import flask_babel
from babel import Locale, dates, numbers
from flask import Flask, g, has_request_context, request
from flask_babel import Babel, force_locale, refresh  # noqa: F401  (re-exported)
from flask_babel.speaklater import LazyString
from markupsafe import Markup, escape

# Language code -> its own name (the names are shown untranslated, as language pickers do).
LANGUAGES = {"en": "English", "de": "Deutsch"}
DEFAULT = "en"
_ENGLISH = Locale.parse(DEFAULT)

babel = Babel()


class LazyText(LazyString):
    """Text translated when it is shown. Flask-Babel's LazyString tells Jinja it is markup already
    (its __html__ is its text), so a message carrying a value would go out unescaped; this one is
    escaped like any other string."""

    def __html__(self) -> Markup:
        return escape(str(self))


def lazy_gettext(string: str, **variables) -> LazyText:
    """gettext, at the time the text is shown (for labels and messages made at import time)."""
    return LazyText(gettext, string, **variables)


def lazy_ngettext(singular: str, plural: str, num: int, **variables) -> LazyText:
    """ngettext, at the time the text is shown."""
    return LazyText(ngettext, singular, plural, num, **variables)


def select_locale() -> str:
    """The language of this request: the user's preference, else the browser's, else English.

    The API (/api/) always speaks English: its readers are scripts (docs/i18n.md)."""
    if not has_request_context() or request.blueprint == "api":
        return DEFAULT
    from flask_login import current_user

    chosen = getattr(current_user, "locale", None) if current_user.is_authenticated else None
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT)


# --- the catalogue and locale of the current request, found fast ----------------------------
# Flask-Babel finds them through several context-local reads on every call (about 10 µs each); a
# dashboard page makes some 700 calls (labels, filters, formats), which cost more than the rest of
# its rows. Flask-Babel keeps the locale it chose on its per-context state (force_locale and
# refresh change it there); these read it once and keep the catalogue for that locale beside it.


def current() -> Locale:
    """The locale of the current request (as Flask-Babel chose or force_locale set it; English
    outside an application context)."""
    try:
        locale = g._flask_babel.babel_locale
    except (AttributeError, RuntimeError):  # first use in this context, or no context at all
        locale = None
    if locale is None:
        locale = flask_babel.get_locale()
    return locale or _ENGLISH


def catalogue():
    """The message catalogue of the current locale."""
    try:
        state = g._flask_babel
        locale = state.babel_locale
        kept = getattr(state, "portal_catalogue", None)
    except (AttributeError, RuntimeError):
        return flask_babel.get_translations()
    if kept is not None and locale is not None and kept[0] is locale:
        return kept[1]
    translations = flask_babel.get_translations()  # chooses the locale when none is chosen yet
    state.portal_catalogue = (state.babel_locale, translations)
    return translations


def gettext(string: str, **variables) -> str:
    """`string` in the current language, with %(name)s placeholders filled from `variables`."""
    text = catalogue().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    """The singular or plural message for `num` (available as %(num)s), in the current language."""
    variables.setdefault("num", num)
    return catalogue().ungettext(singular, plural, num) % variables


@contextmanager
def recipient_locale(user):
    """Write an email in its recipient's chosen language (English if they chose none)."""
    code = getattr(user, "locale", None) if user is not None else None
    with force_locale(code if code in LANGUAGES else DEFAULT):
        yield


# --- formatting -----------------------------------------------------------------------------


def _utc(value: datetime) -> datetime:
    """A stored time in UTC (times are shown in UTC; a naive one is UTC already)."""
    return value.astimezone(timezone.utc) if value.tzinfo else value


def format_date(value: date | datetime | None, style: str = "medium") -> str:
    """A date in the locale's style ("Nov 30, 2026", "30.11.2026"); an em dash for none."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = _utc(value).date()
    return _formatted_date(value, style, str(current()))


@functools.lru_cache(maxsize=4096)
def _formatted_date(value: date, style: str, locale: str) -> str:
    """Babel's date format, kept: a page shows the same few hundred dates on every request."""
    return dates.format_date(value, style, locale=locale)


def format_datetime(value: datetime | None, seconds: bool = False) -> str:
    """A date and time (UTC, 24-hour in German, 12-hour in English) in the locale's style."""
    if value is None:
        return "—"
    when, locale = _utc(value), current()
    time_style = "medium" if seconds else "short"
    return (
        dates.format_date(when.date(), "medium", locale=locale)
        + ", "
        + dates.format_time(when.time(), time_style, locale=locale)
    )


def format_number(value: int | float | None, digits: int | None = None) -> str:
    """A number with the locale's grouping and decimal signs ("12,345.5", "12.345,5")."""
    if value is None:
        return "—"
    if digits is None and type(value) is int:
        # Whole numbers (most figures: counts, licenses) group by thousands in both languages;
        # Babel's general path costs ~40 µs each, and a dashboard page shows some 400.
        return format(value, ",").replace(",", _group_symbol(str(current())))
    if digits is None:
        return numbers.format_decimal(value, locale=current())
    return numbers.format_decimal(value, format="#,##0." + "0" * digits if digits else "#,##0", locale=current())


@functools.cache
def _group_symbol(locale: str) -> str:
    """The locale's thousands separator ("," in English, "." in German)."""
    return numbers.get_group_symbol(locale)


def format_percent(value: float | None, digits: int = 0) -> str:
    """A percentage given in percent (87.5 -> "87.5%", "87,5 %"), with up to `digits` decimals."""
    if value is None:
        return "—"
    pattern = "#,##0" + ("." + "#" * digits if digits else "") + "%"
    return numbers.format_percent(value / 100, format=_percent_pattern(pattern), locale=current())


def _percent_pattern(pattern: str) -> str:
    """The locale's percent pattern shape (German puts a no-break space before the sign)."""
    locale = current()
    standard = locale.percent_formats.get(None)
    if standard is not None and "\xa0%" in standard.pattern:
        return pattern.replace("%", "\xa0%")
    return pattern


def register(app: Flask) -> None:
    """Bind Flask-Babel (gettext in templates, {% trans %} blocks) and the formatting filters."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "UTC")
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.policies["ext.i18n.trimmed"] = True  # {% trans %} blocks collapse their whitespace
    # The same calls as Flask-Babel installs, through the catalogue kept per request (above).
    app.jinja_env.install_gettext_callables(
        gettext=lambda string: catalogue().ugettext(string),
        ngettext=lambda singular, plural, n: catalogue().ungettext(singular, plural, n),
        pgettext=lambda context, string: catalogue().upgettext(context, string),
        npgettext=lambda context, singular, plural, n: catalogue().unpgettext(context, singular, plural, n),
        newstyle=True,
    )
    app.add_template_filter(format_date, "date")
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(format_number, "number")
    app.add_template_filter(format_percent, "percent")
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
    app.jinja_env.globals["current_locale"] = current
