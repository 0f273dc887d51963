"""Notification pages: the partner's center (View all notifications), My notifications, one
notification, triage, email preferences and unsubscribe links.

Who opens what: My notifications, a notification of one's own organization, and the email
preferences: every administrator. The center and everything in it (Dismiss and Mark all as read
there, Assign, Snooze): a partner-badged organization and Customer Dashboard (View Only) plus
Notifications (full access holds both).

`scope` in a URL is "customers" (the center) or "mine". List changes (Dismiss, Dismiss all, Mark
all as read) answer the list for the filters the form carries; row changes (open, Assign,
Snooze) answer the row; both bring the bell along out of band when its count may have changed.
"""

from __future__ import annotations

from datetime import date

from flask import abort, flash, request, url_for
from flask_login import current_user

from ..models import NotificationSource, Severity
from ..web import htmx
from ..web.guards import (
    login_required,
    notification_center_required,
    notification_scope_required,
    sees_notification_center,
)
from ..web.safety import local_path
from ..web.i18n import gettext
from ..web.kept_responses import keep_response
from ..web.tenancy import acting, notification_or_404
from . import bp, queries, services
from . import rows as _row_html  # noqa: F401 (registers the notification_rows template global)
from .email import BadUnsubscribeLink, read_unsubscribe_token
from .forms import AssignForm, PreferencesForm, SnoozeForm
from .queries import SHOW_CHOICES, ListParams, Viewer

LIST_TEMPLATES = {True: "notifications/index.html", False: "notifications/mine.html"}
LIST_ENDPOINTS = {True: "notifications.index", False: "notifications.mine"}


def _viewer(in_center: bool) -> Viewer:
    """The acting administrator looking at the center or at their organization's own list."""
    me = acting()
    return Viewer(me.administrator.id, me.org.id, in_center, date.today())


class LazyList:
    """A list read on first use (by the template)."""

    def __init__(self, load):
        self._load, self._items = load, None

    def __iter__(self):
        if self._items is None:
            self._items = list(self._load())
        return iter(self._items)


def _params(viewer: Viewer, args) -> tuple[ListParams, dict[str, str]]:
    """The list filters in `args`, checked against the partner's connected customers (center)."""
    customers = queries.connected_customer_choices(viewer.org_id) if viewer.in_center else None
    return ListParams.parse(args, customers), customers or {}


def _context(viewer: Viewer, params: ListParams, customers: dict[str, str], **extra) -> dict:
    """What the list and its rows need besides the rows."""
    return {
        "viewer": viewer,
        "params": params,
        "customers": customers,
        "show_choices": SHOW_CHOICES,
        # Read only when a row's Assign form lists them: a page without rows costs no query for them.
        "colleagues": LazyList(lambda: queries.assignable_colleagues(viewer.org_id)) if viewer.in_center else [],
        "list_url": url_for(LIST_ENDPOINTS[viewer.in_center]) + params.suffix(),
        "severities": list(Severity),
        "today": viewer.today,
        **extra,
    }


def _list(viewer: Viewer, args, status: int = 200, oob: tuple[str, ...] = ()):
    """The list page (or its list alone for htmx), 422 when a filter was refused."""
    params, customers = _params(viewer, args)
    status = 422 if params.errors else status
    block = "notification_list" if htmx.target() == "notification-list" else None
    return htmx.render(
        LIST_TEMPLATES[viewer.in_center],
        block=block,
        status=status,
        oob=oob,
        page=viewer.page(params),
        **_context(viewer, params, customers),
    )


@bp.get("")
@keep_response
@notification_center_required
def index():
    """View all notifications: the notifications of every connected customer, newest first."""
    return _list(_viewer(True), request.args)


@bp.get("/mine")
@keep_response
@login_required
def mine():
    """My notifications: the current organization's own notifications."""
    return _list(_viewer(False), request.args)


def _row(
    viewer: Viewer,
    notification_id: int,
    status: int = 200,
    errors: dict | None = None,
    expanded: bool = True,
    oob: tuple[str, ...] = (),
):
    """The notification's page, or its row alone for htmx (as it sits in a list, or on its page)."""
    in_list = htmx.is_htmx() and request.form.get("in_list") == "1"
    params, customers = _params(viewer, request.form if request.method == "POST" else request.args)
    return htmx.render(
        "notifications/detail.html",
        block="notification_row",
        status=status,
        oob=oob,
        row=viewer.row(notification_id),
        errors=errors or {},
        expanded=expanded,
        in_list=in_list,
        **_context(viewer, params, customers),
    )


@bp.get("/<any(customers, mine):scope>/<int:notification_id>")
@notification_scope_required
def show(scope: str, notification_id: int):
    """One notification with its actions (opening it from a list marks it read)."""
    note = notification_or_404(scope, notification_id)
    return _row(_viewer(scope == "customers"), note.id)


@bp.post("/<any(customers, mine):scope>/<int:notification_id>/open")
@notification_scope_required
def open_notification(scope: str, notification_id: int):
    """Open a notification: it becomes read for this administrator; the row shows its text."""
    note = notification_or_404(scope, notification_id)
    viewer = _viewer(scope == "customers")
    services.mark_read(viewer.admin_id, note.id)
    if not htmx.is_htmx():
        return htmx.redirect(url_for("notifications.show", scope=scope, notification_id=note.id))
    return _row(viewer, note.id, oob=("bell_oob",))


def _after_list_change(viewer: Viewer):
    """Answer a change to the list: the list again (and the bell) for htmx, else back to the page."""
    if htmx.is_htmx():
        return _list(viewer, request.form, oob=("bell_oob",))
    params, _ = _params(viewer, request.form)
    return htmx.redirect(url_for(LIST_ENDPOINTS[viewer.in_center]) + params.suffix())


@bp.post("/<any(customers, mine):scope>/<int:notification_id>/dismiss")
@notification_scope_required
def dismiss(scope: str, notification_id: int):
    """Dismiss: the notification leaves this administrator's list; everyone else still sees it."""
    note = notification_or_404(scope, notification_id)
    viewer = _viewer(scope == "customers")
    services.dismiss(viewer.admin_id, note.id)
    return _after_list_change(viewer)


def _upto() -> int:
    """The newest notification id when the page was shown: list-wide actions stop there, so a
    notification that arrived since is left alone."""
    value = request.form.get("upto", "")
    if not (value.isdigit() and len(value) < 11):
        abort(400)
    return int(value)


LIST_ACTIONS = {"dismiss-all": services.dismiss_all, "read-all": services.mark_all_read}


@bp.post("/<any(customers, mine):scope>/<any('dismiss-all', 'read-all'):action>")
@notification_scope_required
def change_all(scope: str, action: str):
    """Dismiss all, or Mark all as read: every notification of the current filter, for this
    administrator (a refused filter: 422 and nothing written)."""
    viewer = _viewer(scope == "customers")
    params, _ = _params(viewer, request.form)
    if params.errors:
        return _list(viewer, request.form)
    LIST_ACTIONS[action](viewer, params, _upto())
    return _after_list_change(viewer)


@bp.post("/read-all")
@login_required
def read_all_in_bell():
    """The bell's Mark all as read: everything the bell counts, then back to the page."""
    viewers = [_viewer(False)] + ([_viewer(True)] if sees_notification_center(acting()) else [])
    services.mark_bell_read(viewers)
    flash(gettext("All your notifications are marked as read."), "success")
    return htmx.redirect(local_path(request.form.get("next")) or url_for("notifications.mine"))


def _triage_answer(viewer: Viewer, notification_id: int, error: services.NotificationError | None):
    """After Assign or Snooze: the row (422 with the message next to its field on a refusal);
    without JavaScript, back to the list the form came from."""
    expanded = request.form.get("expanded") == "1" or not htmx.is_htmx()
    if error is not None:
        return _row(viewer, notification_id, status=422, errors={error.field: str(error)}, expanded=expanded)
    if not htmx.is_htmx():
        return htmx.redirect(
            local_path(request.form.get("next"))
            or url_for("notifications.show", scope="customers", notification_id=notification_id)
        )
    return _row(viewer, notification_id, expanded=expanded)


@bp.post("/customers/<int:notification_id>/assign")
@notification_center_required
def assign(notification_id: int):
    """Assign a customer's notification to a colleague of the partner (who is notified)."""
    note = notification_or_404("customers", notification_id)
    me, form, refused = acting(), AssignForm(), None
    try:
        services.assign(note, me.org.id, form.assignee_id(), me.user, me.administrator.id)
    except services.NotificationError as error:
        refused = error
    return _triage_answer(_viewer(True), notification_id, refused)


@bp.post("/customers/<int:notification_id>/snooze")
@notification_center_required
def snooze(notification_id: int):
    """Snooze a customer's notification until a date, with a reason, for the whole partner team."""
    note = notification_or_404("customers", notification_id)
    me, form, refused = acting(), SnoozeForm(), None
    try:
        if not form.validate():
            raise services.NotificationError(form.until.errors[0], "until")
        services.snooze(note, me.org.id, form.until.data, form.reason.data, me.user, date.today())
    except services.NotificationError as error:
        refused = error
    return _triage_answer(_viewer(True), notification_id, refused)


@bp.post("/customers/<int:notification_id>/unsnooze")
@notification_center_required
def unsnooze(notification_id: int):
    """Show a snoozed notification to the partner team again."""
    note = notification_or_404("customers", notification_id)
    services.unsnooze(note, acting().org.id)
    return _triage_answer(_viewer(True), notification_id, None)


@bp.route("/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    """Email preferences: which notification types this administrator gets copies of."""
    me = acting()
    in_center = sees_notification_center(me)
    form = PreferencesForm()
    form.use_sources(queries.subscribable_sources(in_center))
    if request.method == "GET":
        form.sources.data = [s.value for s in queries.subscribed_sources(me.administrator.id)]
    elif form.validate():
        try:
            chosen = form.chosen()
            if chosen is None:
                raise services.NotificationError(gettext("Choose among the types listed."), "sources")
            services.save_subscriptions(me.administrator.id, chosen, in_center)
        except services.NotificationError as error:
            form.sources.errors.append(str(error))
        else:
            flash(gettext("Your email preferences are saved."), "success")
            return htmx.redirect(url_for("notifications.preferences"))
    return htmx.render(
        "notifications/preferences.html",
        block="preferences_form",
        status=422 if form.errors else 200,
        form=form,
        org=me.org,
        email=current_user.email,
        in_center=in_center,
        descriptions={s.value: s.description for s in NotificationSource},
    )


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    """The link in an email copy: Unsubscribe stops that one type for that administrator (signed
    in or not); nothing else changes."""
    try:
        admin_id, source = read_unsubscribe_token(token)
    except BadUnsubscribeLink:
        abort(404)
    done = request.method == "POST"
    if done:
        services.unsubscribe(admin_id, source)
    return htmx.render(
        "notifications/unsubscribe.html",
        source=source,
        token=token,
        done=done,
        target=queries.unsubscribe_target(admin_id),
    )
