"""A notification list's rows as HTML, each kept per worker under everything it shows (as the
Customer Dashboard's rows are, customers/rows.py; the store and the CSRF marker are
web/fragments.py's).

A row in a list carries three forms (Dismiss, Assign with the list of colleagues, Snooze), each
with the list's filters and page: rendering 25 of them was four fifths of the notification
center's time. The key is every field of the row (but `extra`, the list's own figures, which the
row does not show), with what the list adds: its filters and page, the colleagues Assign offers,
today (the earliest day Snooze accepts), the language and the script root.
"""

from __future__ import annotations

import dataclasses

from flask import request
from jinja2 import pass_context
from markupsafe import Markup

from ..web import fragments
from ..web.i18n import current as current_locale
from . import bp
from .queries import NotificationRow

# Every field but `extra`: a field added to NotificationRow is in the key without anyone
# remembering it (tests/unit/test_fragments.py).
KEY_FIELDS = tuple(field.name for field in dataclasses.fields(NotificationRow) if field.name != "extra")


def row_key(row: NotificationRow) -> tuple:
    """The row's fields that its HTML shows, as a hashable value."""
    return tuple(getattr(row, name) for name in KEY_FIELDS)


@bp.app_template_global()
@pass_context
def notification_rows(context, rows: list[NotificationRow]) -> Markup:
    """The <li> of each row as a list shows it (notifications/_row.html, collapsed, no errors),
    kept or rendered now, with this request's CSRF token in place."""
    template = context.environment.get_template("notifications/_row.html")
    params = context["params"]
    in_center = any(row.in_center for row in rows)
    # Only a center row offers Assign, and so shows the colleagues (read once, for every row).
    colleagues = tuple((c.admin_id, c.label) for c in context["colleagues"]) if in_center else ()
    page = (
        str(current_locale()),
        request.script_root,
        context["list_url"],
        (params.customer, params.severity, params.show, params.page),
        context["today"],
        colleagues,
    )
    base: dict | None = None

    def render(row: NotificationRow):
        def draw() -> str:
            nonlocal base
            if base is None:
                base = fragments.marked_context({**context.get_all(), "expanded": False, "errors": {}, "in_list": True})
            return template.render({**base, "row": row})

        return draw

    store = fragments.active_store()
    parts = [store.get(("notification-row", page, row_key(row)), render(row)) for row in rows]
    return fragments.finish("".join(parts))
