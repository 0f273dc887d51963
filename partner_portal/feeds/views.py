"""The calendar feed URL in Account Settings (make, replace, revoke) and the feed itself."""

from __future__ import annotations

from datetime import date

from flask import Response, abort, url_for

from ..extensions import db, limiter
from ..web import htmx
from ..models import User
from ..web.guards import login_required
from ..web.i18n import gettext, recipient_locale
from ..web.tenancy import acting
from . import bp, queries
from .ics import calendar_bytes
from .services import create_feed, revoke_feed


def _panel(**extra):
    """The Expiry calendar panel of Account Settings (alone for htmx)."""
    me = acting()
    return htmx.render(
        "feeds/settings.html",
        block="calendar_feed",
        created_at=queries.feed_created_at(me.administrator.id),
        with_customers=queries.sees_customers(me.administrator),
        **extra,
    )


@bp.get("/account/calendar")
@login_required
def settings():
    """Expiry calendar: whether a feed URL exists, with buttons to make a new one or revoke it."""
    return _panel()


@bp.post("/account/calendar")
@login_required
def create():
    """Make a feed URL (replacing any earlier one) and show it, once."""
    token = create_feed(acting().administrator)
    db.session.commit()
    return _panel(feed_url=url_for("feeds.feed", token=token, _external=True))


@bp.post("/account/calendar/revoke")
@login_required
def revoke():
    """Revoke the feed URL: calendar apps subscribed to it stop getting updates."""
    revoke_feed(acting().administrator)
    db.session.commit()
    return _panel(revoked=True)


@bp.get("/calendar/<token>.ics")
@limiter.limit("60 per minute")
def feed(token: str):
    """The feed (no sign-in: the unguessable token is the key); 404 once revoked."""
    administrator = queries.feed_administrator(token)
    if administrator is None:
        abort(404)
    # No sign-in and no browser language to go by: the feed speaks its owner's chosen language.
    with recipient_locale(db.session.get(User, administrator.user_id)):
        body = calendar_bytes(gettext("Partner Portal expiries"), queries.expiry_events(administrator, date.today()))
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="expiries.ics"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
