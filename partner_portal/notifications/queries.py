"""Reads for notifications, and the rules every reader shares: which notifications an
administrator sees, and which of them are unread for that administrator.

Two scopes:
- *own*: an organization's notifications, seen by its administrators (a message to one
  administrator, `recipient_id`, only by that one);
- *customers*: a partner administrator's view of the notifications of the customers the partner
  is connected to now. Copies of announcements sent to everyone stay out (the partner got its
  own), a partner administrator's dismissal hides a notification from that administrator only,
  and the partner team's snooze hides it from the team until the snooze date.

Read and dismissed are per administrator role (notification_state); a dismissal counts as read.
The bell, the dashboard's per-customer counts, its CSV export and the pages below all count
through `unread_by` and the `*_visible` / `*_unread` conditions, so they can never disagree.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from urllib.parse import urlencode

from sqlalchemy import Date, Integer, and_, bindparam, case, exists, func, or_, select
from sqlalchemy.orm import aliased

from ..connections.sharing import NOTIFICATIONS, shared_condition
from ..extensions import db
from ..models import (
    Administrator,
    Connection,
    Notification,
    NotificationSource,
    NotificationState,
    NotificationSubscription,
    NotificationTriage,
    Organization,
    Permission,
    Severity,
    User,
)
from ..web.i18n import format_number, gettext, lazy_gettext
from .messages import shown

PAGE_SIZE = 25
# Lists count their notifications up to this many ("1,000+"); the pages go on past it.
TOTAL_CAP = 1000
# The bell counts each of its two parts up to this many ("99+").
BELL_CAP = 100
LICENSING_SOURCES = frozenset(
    {NotificationSource.TRIAL_ENDING, NotificationSource.ENTITLEMENT_EXPIRING, NotificationSource.OVER_ASSIGNED}
)


# --- the rules ------------------------------------------------------------------------------


def sees_customer_notifications(administrator: Administrator, badged: bool) -> bool:
    """True when the administrator may open the partner notification center: a partner-badged
    organization, and full access or both Customer Dashboard (View Only) and Notifications."""
    return badged and administrator.can(Permission.CUSTOMER_DASHBOARD) and administrator.can(Permission.NOTIFICATIONS)


def connected_customer_ids(partner_id: int):
    """Subquery: the ids of the partner's currently connected customers that share their
    notifications with it (sharing scopes: the others' are never shown to the partner)."""
    return select(Connection.customer_id).where(
        Connection.partner_id == partner_id, Connection.ended_at.is_(None), shared_condition(NOTIFICATIONS)
    )


def read_by(admin_id: int):
    """True for a notification this administrator has read (or dismissed)."""
    # Correlated to the notification only: lists also join notification_state for its columns.
    return (
        exists()
        .where(NotificationState.notification_id == Notification.id, NotificationState.administrator_id == admin_id)
        .correlate(Notification)
    )


def unread_by(admin_id: int):
    """True for a notification this administrator has not read yet."""
    return ~read_by(admin_id)


def _dismissed_by(admin_id: int):
    return (
        exists()
        .where(
            NotificationState.notification_id == Notification.id,
            NotificationState.administrator_id == admin_id,
            NotificationState.dismissed_at.is_not(None),
        )
        .correlate(Notification)
    )


def _triage(partner_id: int, *conditions):
    return (
        exists()
        .where(
            NotificationTriage.notification_id == Notification.id,
            NotificationTriage.partner_id == partner_id,
            *conditions,
        )
        .correlate(Notification)
    )


def snoozed_for(partner_id: int, today: date):
    """True for a customer notification the partner's team snoozed past today."""
    return _triage(partner_id, NotificationTriage.snoozed_until > today)


def own_scope(admin_id: int, org_id: int) -> list:
    """Conditions: the organization's notifications addressed to all its administrators or to this one."""
    return [
        Notification.organization_id == org_id,
        or_(Notification.recipient_id.is_(None), Notification.recipient_id == admin_id),
    ]


def customer_scope(partner_id: int) -> list:
    """Conditions: notifications of the partner's connected customers that partners may see."""
    return [
        Notification.organization_id.in_(connected_customer_ids(partner_id)),
        Notification.recipient_id.is_(None),
        Notification.broadcast.is_(False),
    ]


def own_visible(admin_id: int, org_id: int) -> list:
    """Conditions: what My notifications lists for this administrator."""
    return [*own_scope(admin_id, org_id), ~_dismissed_by(admin_id)]


def customers_visible(admin_id: int, partner_id: int, today: date, snoozed: bool = False) -> list:
    """Conditions: what the notification center lists for this partner administrator (with
    `snoozed`, the team's snoozed ones instead of the others)."""
    asleep = snoozed_for(partner_id, today)
    return [*customer_scope(partner_id), ~_dismissed_by(admin_id), asleep if snoozed else ~asleep]


def own_unread(admin_id: int, org_id: int) -> list:
    """Conditions: the organization's notifications this administrator has not read. A dismissal
    counts as read, so no dismissed one is among them: the same as own_visible + unread_by, with
    one look-up of notification_state instead of two."""
    return [*own_scope(admin_id, org_id), unread_by(admin_id)]


def customers_unread(admin_id: int, partner_id: int, today: date) -> list:
    """Conditions: what the center lists for this partner administrator and they have not read (as
    customers_visible + unread_by; see own_unread)."""
    return [*customer_scope(partner_id), ~snoozed_for(partner_id, today), unread_by(admin_id)]


def unread_count(admin_id: int, org_id: int, with_customers: bool, today: date) -> int:
    """The bell: notifications unread by this administrator, of the organization and (for a
    partner administrator who opens the center) of connected customers; one query. Each part
    stops counting at BELL_CAP (the bell shows "99+"), so a long unread history costs nothing more."""
    values = {"admin_id": admin_id, "org_id": org_id, "today": today}
    return db.session.scalar(_bell_statement(with_customers), values) or 0


@functools.cache
def _bell_statement(with_customers: bool):
    """The bell's statement, built once per worker: it runs on every page, and building its
    subqueries took longer than the database takes to answer."""
    admin_id, org_id = bindparam("admin_id", type_=Integer), bindparam("org_id", type_=Integer)
    today = bindparam("today", type_=Date)

    def count(conditions):
        found = select(Notification.id).where(*conditions).limit(BELL_CAP).subquery()
        return select(func.count()).select_from(found).scalar_subquery()

    total = count(own_unread(admin_id, org_id))
    if with_customers:
        total = total + count(customers_unread(admin_id, org_id, today))
    return select(total)


def customer_unread_counts(admin_id: int, partner_id: int, today: date):
    """Subquery (org_id, unread, critical): each connected customer's unread notifications in the
    center, and how many of them are critical."""
    critical = func.sum(case((Notification.severity == Severity.CRITICAL, 1), else_=0))
    return (
        select(Notification.organization_id.label("org_id"), func.count().label("unread"), critical.label("critical"))
        .where(*customers_unread(admin_id, partner_id, today))
        .group_by(Notification.organization_id)
        .subquery("notes")
    )


# --- filters --------------------------------------------------------------------------------

SHOW_CHOICES = {"": lazy_gettext("All"), "mine": lazy_gettext("Assigned to me"), "snoozed": lazy_gettext("Snoozed")}


@dataclass(frozen=True)
class ListParams:
    """Filters and page of a notification list. Unknown values are dropped and reported in
    `errors` (field -> message), so a page can say what it ignored."""

    customer: str = ""
    severity: str = ""
    show: str = ""
    page: int = 1
    errors: dict = field(default_factory=dict, compare=False)

    @classmethod
    def parse(cls, args, customers: dict[str, str] | None = None) -> "ListParams":
        """Read the filters from a query string or form; `customers` (ORGID -> name) are the
        choices of the customer filter, None where there is none (My notifications)."""
        errors = {}
        customer = (args.get("customer") or "").strip() if customers is not None else ""
        if customer and customer not in customers:
            errors["customer"] = gettext("That customer is not one of your connected customers. Showing all customers.")
            customer = ""
        severity = (args.get("severity") or "").strip()
        if severity and severity not in {s.value for s in Severity}:
            errors["severity"] = gettext("Choose a severity from the list. Showing every severity.")
            severity = ""
        show = (args.get("show") or "").strip() if customers is not None else ""
        if show not in SHOW_CHOICES:
            errors["show"] = gettext("Choose what to show from the list. Showing all.")
            show = ""
        page = args.get("page") or "1"
        page = int(page) if page.isdigit() and 0 < len(page) < 6 and int(page) > 0 else 1
        return cls(customer=customer, severity=severity, show=show, page=page, errors=errors)

    def query_string(self, **changes) -> str:
        """The query string of these filters with `changes` (defaults left out)."""
        values = {k: v for k, v in replace(self, **changes).__dict__.items() if k != "errors"}
        return urlencode({k: v for k, v in values.items() if v not in ("", 1)})

    def suffix(self, **changes) -> str:
        """ "?" and the query string with `changes`, or "" when there is nothing to add."""
        query = self.query_string(**changes)
        return f"?{query}" if query else ""

    @property
    def is_filtered(self) -> bool:
        """True when a filter narrows the list."""
        return bool(self.customer or self.severity or self.show)


def center_conditions(admin_id: int, partner_id: int, params: ListParams, today: date) -> list:
    """Conditions for the center's list under `params` (also what Dismiss all and Mark all as read act on)."""
    conditions = customers_visible(admin_id, partner_id, today, snoozed=params.show == "snoozed")
    if params.customer:
        # Not correlated: the center's rows join organization too.
        conditions.append(
            Notification.organization_id
            == select(Organization.id).where(Organization.orgid == params.customer).correlate(None).scalar_subquery()
        )
    if params.severity:
        conditions.append(Notification.severity == Severity(params.severity))
    if params.show == "mine":
        conditions.append(_triage(partner_id, NotificationTriage.assignee_id == admin_id))
    return conditions


def own_conditions(admin_id: int, org_id: int, params: ListParams) -> list:
    """Conditions for My notifications under `params`."""
    conditions = own_visible(admin_id, org_id)
    if params.severity:
        conditions.append(Notification.severity == Severity(params.severity))
    return conditions


# --- lists ----------------------------------------------------------------------------------


def safe_link(link: str) -> str | None:
    """The link when it is a path in the portal or an http(s) URL; None otherwise."""
    if link.startswith("/") and not link.startswith("//") and "\\" not in link:
        return link
    if link.startswith(("https://", "http://")):
        return link
    return None


@dataclass
class NotificationRow:
    """One notification as a list shows it to the current administrator."""

    id: int
    severity: Severity
    title: str
    body: str
    raw_link: str
    source: NotificationSource
    created_at: datetime
    unread: bool
    customer_name: str | None = None
    customer_orgid: str | None = None
    assignee_id: int | None = None
    assignee_label: str | None = None
    snoozed_until: date | None = None
    snooze_reason: str = ""
    assigned_to_me: bool = False
    is_snoozed: bool = False
    # Figures of the whole list that came with the row's query (see center_page).
    extra: tuple = ()

    @property
    def in_center(self) -> bool:
        """True for a customer's notification seen from the partner's center (triage applies)."""
        return self.customer_orgid is not None

    @property
    def scope(self) -> str:
        """The URL segment of the list the row belongs to."""
        return "customers" if self.in_center else "mine"

    @property
    def licensing_orgid(self) -> str | None:
        """The customer whose licensing the partner should look at, for licensing notifications."""
        return self.customer_orgid if self.in_center and self.source in LICENSING_SOURCES else None

    @property
    def link(self) -> str | None:
        """Where the notification points. A customer's in-portal path means nothing to its
        partner, so the center shows outside links only."""
        link = safe_link(self.raw_link)
        if link and self.in_center and link.startswith("/"):
            return None
        return link


@dataclass
class NotificationPage:
    """A page of a notification list with the count of its filter."""

    rows: list[NotificationRow]
    total: int
    newest_id: int
    params: ListParams
    has_next: bool = False

    @classmethod
    def of(cls, rows: list[NotificationRow], total: int, newest_id: int, params: ListParams) -> "NotificationPage":
        """The page from rows read one beyond PAGE_SIZE."""
        return cls(rows[:PAGE_SIZE], total, newest_id, params, has_next=len(rows) > PAGE_SIZE)

    @property
    def has_previous(self) -> bool:
        """True when a newer page exists."""
        return self.params.page > 1

    @property
    def total_label(self) -> str:
        """The count as shown ("1,000+" once it reaches TOTAL_CAP)."""
        return format_number(self.total) + ("+" if self.total >= TOTAL_CAP else "")

    @property
    def first_shown(self) -> int:
        """Position of the first row shown (1-based; 0 for an empty page)."""
        return (self.params.page - 1) * PAGE_SIZE + 1 if self.rows else 0

    @property
    def last_shown(self) -> int:
        """Position of the last row shown."""
        return (self.params.page - 1) * PAGE_SIZE + len(self.rows)


def _totals_columns(conditions: list) -> tuple:
    """Scalar subqueries: how many notifications meet `conditions`, counted up to TOTAL_CAP; the
    newest notification id of all, which bounds what Dismiss all and Mark all as read may touch."""
    found = select(Notification.id).where(*conditions).limit(TOTAL_CAP).subquery()
    return (
        select(func.count()).select_from(found).scalar_subquery(),
        select(func.coalesce(func.max(Notification.id), 0)).scalar_subquery(),
    )


def _totals(conditions: list) -> tuple[int, int]:
    """(total up to TOTAL_CAP, newest id), see _totals_columns: one query."""
    total, newest = db.session.execute(select(*_totals_columns(conditions))).one()
    return int(total), int(newest)


def _page_of(conditions: list, page: int):
    """Subquery: ids of one page of the notifications meeting `conditions`, newest first. Only
    the page's rows are then joined to what the list shows."""
    # One row more than a page says whether an older page exists.
    return (
        select(Notification.id)
        .where(*conditions)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(PAGE_SIZE + 1)
        .offset((page - 1) * PAGE_SIZE)
        .subquery("page")
    )


def _base_rows(admin_id: int, conditions: list, page: int):
    """Columns every list shows for one page, with this administrator's read state, newest first."""
    ids = _page_of(conditions, page)
    return (
        select(
            Notification.id,
            Notification.severity,
            Notification.title,
            Notification.body,
            Notification.link,
            Notification.source,
            Notification.created_at,
            NotificationState.read_at,
            Notification.message,
        )
        .join(ids, ids.c.id == Notification.id)
        .outerjoin(
            NotificationState,
            and_(NotificationState.notification_id == Notification.id, NotificationState.administrator_id == admin_id),
        )
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )


def _own_rows(admin_id: int, conditions: list, page: int) -> list[NotificationRow]:
    return [
        NotificationRow(
            id=r[0],
            severity=r[1],
            title=shown(r[8], "title", r[2]),
            body=shown(r[8], "body", r[3]),
            raw_link=r[4],
            source=r[5],
            created_at=r[6],
            unread=r[7] is None,
        )
        for r in db.session.execute(_base_rows(admin_id, conditions, page))
    ]


def _center_rows(
    admin_id: int, partner_id: int, conditions: list, page: int, today: date, *extra
) -> list[NotificationRow]:
    """One page of the center; `extra` columns are added to every row (read back with rows_extra)."""
    assignee = aliased(Administrator)
    assignee_user = aliased(User)
    stmt = (
        _base_rows(admin_id, conditions, page)
        .add_columns(
            Organization.name,
            Organization.orgid,
            NotificationTriage.assignee_id,
            assignee_user.email,
            NotificationTriage.snoozed_until,
            NotificationTriage.snooze_reason,
            *extra,
        )
        .join(Organization, Organization.id == Notification.organization_id)
        .outerjoin(
            NotificationTriage,
            and_(NotificationTriage.notification_id == Notification.id, NotificationTriage.partner_id == partner_id),
        )
        .outerjoin(assignee, assignee.id == NotificationTriage.assignee_id)
        .outerjoin(assignee_user, assignee_user.id == assignee.user_id)
    )
    return [
        NotificationRow(
            id=r[0],
            severity=r[1],
            title=shown(r[8], "title", r[2]),
            body=shown(r[8], "body", r[3]),
            raw_link=r[4],
            source=r[5],
            created_at=r[6],
            unread=r[7] is None,
            customer_name=r[9],
            customer_orgid=r[10],
            assignee_id=r[11],
            assignee_label=r[12],
            snoozed_until=r[13],
            snooze_reason=r[14] or "",
            assigned_to_me=r[11] == admin_id,
            is_snoozed=r[13] is not None and r[13] > today,
            extra=tuple(r[15:]),
        )
        for r in db.session.execute(stmt)
    ]


def center_page(admin_id: int, partner_id: int, params: ListParams, today: date) -> NotificationPage:
    """A page of the notification center under `params`, with its count: one query (the count
    rides on the rows; a page without rows asks for it apart)."""
    conditions = center_conditions(admin_id, partner_id, params, today)
    rows = _center_rows(admin_id, partner_id, conditions, params.page, today, *_totals_columns(conditions))
    total, newest = rows[0].extra if rows else _totals(conditions)
    return NotificationPage.of(rows, int(total), int(newest), params)


def own_page(admin_id: int, org_id: int, params: ListParams) -> NotificationPage:
    """A page of My notifications under `params`, with its count: two queries."""
    conditions = own_conditions(admin_id, org_id, params)
    total, newest = _totals(conditions)
    return NotificationPage.of(_own_rows(admin_id, conditions, params.page), total, newest, params)


def center_row(admin_id: int, partner_id: int, notification_id: int, today: date) -> NotificationRow:
    """One customer notification as the center shows it (dismissed or snoozed ones too)."""
    return _center_rows(
        admin_id, partner_id, [Notification.id == notification_id, *customer_scope(partner_id)], 1, today
    )[0]


def own_row(admin_id: int, org_id: int, notification_id: int) -> NotificationRow:
    """One of the organization's notifications as My notifications shows it."""
    return _own_rows(admin_id, [Notification.id == notification_id, *own_scope(admin_id, org_id)], 1)[0]


@dataclass(frozen=True)
class Viewer:
    """Who looks at which list: an administrator of `org_id`, at its own notifications or (with
    `in_center`, `org_id` being the partner) at its connected customers'."""

    admin_id: int
    org_id: int
    in_center: bool
    today: date

    def visible(self) -> list:
        """Conditions: everything this list shows with no filter."""
        if self.in_center:
            return customers_visible(self.admin_id, self.org_id, self.today)
        return own_visible(self.admin_id, self.org_id)

    def conditions(self, params: ListParams) -> list:
        """Conditions: what this list shows under `params`."""
        if self.in_center:
            return center_conditions(self.admin_id, self.org_id, params, self.today)
        return own_conditions(self.admin_id, self.org_id, params)

    def page(self, params: ListParams) -> NotificationPage:
        """A page of this list."""
        if self.in_center:
            return center_page(self.admin_id, self.org_id, params, self.today)
        return own_page(self.admin_id, self.org_id, params)

    def row(self, notification_id: int) -> NotificationRow:
        """One notification of this list's scope (dismissed or snoozed ones too)."""
        if self.in_center:
            return center_row(self.admin_id, self.org_id, notification_id, self.today)
        return own_row(self.admin_id, self.org_id, notification_id)


def subscribable_sources(in_center: bool) -> list[NotificationSource]:
    """The notification types an administrator can get email copies of (assignments only reach
    those who open the notification center)."""
    return [s for s in NotificationSource if in_center or s is not NotificationSource.ASSIGNMENT]


# --- lookups for tenancy and forms ------------------------------------------------------------


def customer_notification(partner_id: int, notification_id: int) -> Notification | None:
    """A notification of one of the partner's connected customers that partners may see, or None."""
    return db.session.scalar(
        select(Notification).where(Notification.id == notification_id, *customer_scope(partner_id))
    )


def own_notification(admin_id: int, org_id: int, notification_id: int) -> Notification | None:
    """One of the organization's notifications addressed to this administrator (or to all), or None."""
    return db.session.scalar(
        select(Notification).where(Notification.id == notification_id, *own_scope(admin_id, org_id))
    )


def connected_customer_choices(partner_id: int) -> dict[str, str]:
    """ORGID -> name of the partner's connected customers, by name (the customer drop-down)."""
    return dict(
        db.session.execute(
            select(Organization.orgid, Organization.name)
            .where(Organization.id.in_(connected_customer_ids(partner_id)))
            .order_by(func.lower(Organization.name), Organization.id)
        ).all()
    )


@dataclass(frozen=True)
class Colleague:
    """A partner administrator a notification can be assigned to."""

    admin_id: int
    email: str
    name: str

    @property
    def label(self) -> str:
        """Name and email, or the email alone."""
        return f"{self.name} ({self.email})" if self.name else self.email


def assignable_colleagues(partner_id: int) -> list[Colleague]:
    """The partner's own administrators who can open the notification center, by email (one query)."""
    rows = db.session.execute(
        select(Administrator, User.email, User.name)
        .join(User, User.id == Administrator.user_id)
        .where(Administrator.organization_id == partner_id, Administrator.via_connection_id.is_(None))
        .order_by(func.lower(User.email))
    ).all()
    return [
        Colleague(admin.id, email, name or "")
        for admin, email, name in rows
        if sees_customer_notifications(admin, badged=True)
    ]


def subscribed_sources(admin_id: int) -> set[NotificationSource]:
    """The notification types this administrator gets email copies of."""
    return set(
        db.session.scalars(
            select(NotificationSubscription.source).where(NotificationSubscription.administrator_id == admin_id)
        )
    )


def unsubscribe_target(admin_id: int) -> tuple[str, str] | None:
    """(email, organization name) of an administrator role, for the unsubscribe page; None once it is gone."""
    row = db.session.execute(
        select(User.email, Organization.name)
        .select_from(Administrator)
        .join(User, User.id == Administrator.user_id)
        .join(Organization, Organization.id == Administrator.organization_id)
        .where(Administrator.id == admin_id)
    ).first()
    return (row[0], row[1]) if row else None
