"""Notification text that is read in the reader's language.

A notification is written once for every administrator of an organization, who may read German or
English, so the portal's own notifications store their words as a *message*: a gettext message
id with its values, as JSON in `notification.message`. The list, the bell, the detail page and
the email copies render it in the reader's language; `title` and `body` keep the English text for
search, the API, webhooks and anything that cannot render (an unknown id falls back to them).

A value is one of:
- a plain string or number, shown as it is (names, ORGIDs, free text someone typed);
- `stored_message(msgid, **values)`: a translated message with its own values;
- `joined([values], sep)`: values rendered and joined (sentences, lists of labels);
- `on(day)`: a date, and `number(n)`: a number, formatted for the reader's locale.

`stored_message` is an extraction keyword (babel.cfg, docs/i18n.md), so its ids are in the catalogue.
"""

from __future__ import annotations

import logging
from datetime import date

from ..web.i18n import DEFAULT, force_locale, format_date, format_number, gettext

log = logging.getLogger(__name__)


def stored_message(msgid: str, **values) -> dict:
    """A message to store: its (English) id and values, rendered when read."""
    return {"m": msgid, "p": values}


def joined(values: list, sep: str = " ") -> dict:
    """Values shown one after another (empty ones left out)."""
    return {"join": [value for value in values if value], "sep": sep}


def number(value: int | float) -> dict:
    """A number, shown with the reader's grouping and decimal signs."""
    return {"num": value}


def on(day: date) -> dict:
    """A date, shown in the reader's style."""
    return {"date": day.isoformat()}


def render(value) -> str:
    """A stored value as text in the current locale."""
    if isinstance(value, dict):
        if "m" in value:
            params = {name: render(inner) for name, inner in value.get("p", {}).items()}
            # Formatted here, not by gettext (which skips it without values), so a placeholder
            # without its value raises and the stored text is shown instead.
            return gettext(value["m"]) % params if "%(" in value["m"] else gettext(value["m"])
        if "join" in value:
            return value.get("sep", " ").join(render(inner) for inner in value["join"])
        if "date" in value:
            return format_date(date.fromisoformat(value["date"]))
        if "num" in value:
            return format_number(value["num"])
        raise ValueError(f"unknown stored value {sorted(value)}")
    return str(value)


def english(value) -> str:
    """A stored value as the English text kept in `title` and `body`."""
    with force_locale(DEFAULT):
        return render(value)


def shown(message: dict | None, part: str, stored: str) -> str:
    """The `part` ("title" or "body") of a notification for the current reader: its message in
    their language, or the stored text for a notification written without one."""
    if not message or part not in message:
        return stored
    try:
        return render(message[part])
    except (KeyError, TypeError, ValueError):
        # A message id or value the running code no longer knows: the stored English still reads.
        log.warning("Notification message %r could not be rendered; showing the stored text.", message[part])
        return stored
