"""The Customer Dashboard's rows as HTML, each kept per worker under everything it shows.

Rendering a row (its links, menu, health explanation, formatted figures) costs far more than
reading it: a 100-row dashboard spent some four fifths of its time in the row template. A row is
rendered again only when something it shows changed; the key is every field of the row (a
changed figure is a new key) with what the page adds to it (language, the viewer's rights, the
search the tag links keep). See web/fragments.py for the store and the CSRF marker.
"""

from __future__ import annotations

from flask import request
from jinja2 import pass_context
from markupsafe import Markup

from ..web import fragments
from ..web.i18n import current as current_locale
from . import bp
from .queries import CustomerRow


def row_key(row: CustomerRow) -> tuple:
    """Every field of the row as a hashable value (tests/unit/test_fragments.py checks that a change
    to any field changes the key)."""
    return (
        row.org_id,
        row.orgid,
        row.name,
        row.tenancy,
        row.connected_since,
        row.contact,
        row.purchased,
        row.assigned,
        row.expiring_on,
        row.unread,
        row.open_tickets,
        tuple((service.name, service.state) for service in row.services),
        row.can_access_account,
        row.health_inputs,
        tuple(row.tags),
        tuple(row.shares.items()),
    )


@bp.app_template_global()
@pass_context
def customer_rows(context, rows: list[CustomerRow], row_text: dict) -> Markup:
    """The <tr> of each row (customers/_row.html), kept or rendered now, with this request's CSRF
    token in place."""
    template = context.environment.get_template("customers/_row.html")
    page = (str(current_locale()), request.script_root, context["can_manage"], context["links_to_center"])
    params = context["params"]
    base: dict | None = None

    def render(row: CustomerRow):
        def draw() -> str:
            nonlocal base
            if base is None:
                base = fragments.marked_context({**context.get_all(), "row_text": row_text})
            return template.render({**base, "row": row})

        return draw

    # The tag links carry the page's search and filters: only a row with tags depends on them.
    store = fragments.active_store()
    parts = [store.get(("customer-row", page, params if row.tags else None, row_key(row)), render(row)) for row in rows]
    return fragments.finish("".join(parts))
