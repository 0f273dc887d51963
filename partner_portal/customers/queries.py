"""Reads for the Customer Dashboard: one aggregate query for the rows, one for their services."""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import Date, Integer, String, and_, bindparam, case, func, or_, select

from ..connections import sharing
from ..extensions import db
from ..insights import health as hs
from ..licensing.math import EXPIRY_WARNING_DAYS, health_color, percent_label, percent_whole
from ..licensing.queries import allotments, entitlement_lines
from ..models import (
    Access,
    Administrator,
    BandwidthDay,
    Connection,
    CustomerTag,
    Entitlement,
    EntitlementState,
    Organization,
    Service,
    SupportTicket,
    Tenancy,
    TicketStatus,
    UsageDay,
    User,
)
from ..notifications.queries import customer_unread_counts
from ..web.i18n import lazy_gettext

SORTS = {"name", "orgid", "tenancy", "connected", "score", "health", "notifications", "tickets"}
TRIAL_FILTERS = {
    "active-trial": lazy_gettext("Active trial"),
    "pending-trial": lazy_gettext("Pending trial request"),
    "expired-trial": lazy_gettext("Expired trial"),
}
TAG_MAX_LENGTH = 40
# Labels are joined into one column by the dashboard's statement; a label never holds a line break.
TAG_SEPARATOR = "\n"
FLAG_FILTERS = {"over-licensed": lazy_gettext("Over-licensed"), "expiring": lazy_gettext("Expiring within 90 days")}


@dataclass(frozen=True)
class DashboardParams:
    """Search, filters and sort of the dashboard, parsed leniently from the query string."""

    q: str = ""
    tenancy: str = ""
    trial: str = ""
    flag: str = ""
    score: str = ""
    tag: str = ""
    sort: str = "name"
    dir: str = "asc"

    @classmethod
    def from_args(cls, args) -> "DashboardParams":
        """Unknown values fall back to defaults rather than erroring: these are bookmarkable URLs."""
        tenancy = args.get("tenancy", "")
        trial = args.get("trial", "")
        flag = args.get("flag", "")
        score = args.get("score", "")
        sort = args.get("sort", "name")
        return cls(
            q=args.get("q", "").strip()[:100],
            tenancy=tenancy if tenancy in {t.value for t in Tenancy} else "",
            trial=trial if trial in TRIAL_FILTERS else "",
            flag=flag if flag in FLAG_FILTERS else "",
            score=score if score in hs.BANDS else "",
            tag=args.get("tag", "").strip()[:TAG_MAX_LENGTH],
            sort=sort if sort in SORTS else "name",
            dir="desc" if args.get("dir") == "desc" else "asc",
        )

    def query_string(self, **changes) -> str:
        """The query string for these parameters with `changes` applied (defaults left out)."""
        values = replace(self, **changes).__dict__
        defaults = DashboardParams().__dict__
        return urlencode({k: v for k, v in values.items() if v != defaults[k]})

    def sort_query(self, column: str) -> str:
        """Query string that sorts by `column`, flipping the direction when already sorted by it."""
        direction = "desc" if self.sort == column and self.dir == "asc" else "asc"
        return self.query_string(sort=column, dir=direction)

    def aria_sort(self, column: str) -> str:
        """aria-sort value for a column header."""
        if self.sort != column:
            return "none"
        return "ascending" if self.dir == "asc" else "descending"

    @property
    def is_filtered(self) -> bool:
        """True when any search or filter narrows the list."""
        return bool(self.q or self.tenancy or self.trial or self.flag or self.score or self.tag)


@dataclass
class ServiceState:
    """One service of a customer with its state."""

    name: str
    state: EntitlementState


@dataclass
class CustomerRow:
    """Everything one dashboard row shows."""

    org_id: int
    orgid: str
    name: str
    tenancy: Tenancy
    connected_since: datetime
    contact: str | None
    purchased: int
    assigned: int
    expiring_on: date | None
    unread: int
    open_tickets: int
    services: list[ServiceState] = field(default_factory=list)
    can_access_account: bool = False
    health_inputs: hs.HealthInputs = field(default_factory=hs.HealthInputs)
    tags: list[str] = field(default_factory=list)
    # What the customer shares with this partner (connections/sharing.py); all by default.
    shares: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(sharing.SCOPES, True))

    @property
    def withheld(self) -> list[str]:
        """The labels of what the customer does not share with this partner."""
        return [sharing.SCOPES[scope] for scope, on in self.shares.items() if not on]

    @property
    def score(self) -> hs.Health:
        """The health score with its deductions (computed once per row)."""
        if "_score" not in self.__dict__:
            self.__dict__["_score"] = hs.health(self.health_inputs)
        return self.__dict__["_score"]

    @property
    def health(self) -> str:
        """green / amber / red by the licensing rules, or none without paid seat licenses."""
        return health_color(self.assigned, self.purchased) if self.purchased else "none"

    @property
    def percent_label(self) -> str:
        """The percentage as the licensing pages write it ("93 %")."""
        return percent_label(self.assigned, self.purchased)

    @property
    def percent_whole(self) -> int | None:
        """The same percentage as a number (for the meter and the export), None without licenses."""
        return percent_whole(self.assigned, self.purchased)


def _aggregates(partner_id, admin_id, today):
    """Subqueries of per-customer figures, each limited to this partner's connected customers
    (unread notifications: those the notification center shows this administrator as unread).
    The arguments are bound parameters, and so are the dates derived from today (see _values)."""
    connected = select(Connection.customer_id).where(Connection.partner_id == partner_id, Connection.ended_at.is_(None))
    # What a customer does not share is never aggregated (sharing scopes, connections/sharing.py);
    # its unread notifications are left out by the notification scope itself.
    licensing = connected.where(sharing.shared_condition(sharing.LICENSING))
    ticketing = connected.where(sharing.shared_condition(sharing.TICKETS))
    # Bandwidth (GB) entitlements have no licenses to assign: license health counts seats only.
    bandwidth_codes = select(Service.code).where(Service.is_bandwidth)
    licensed = Entitlement.service_code.not_in(bandwidth_codes)
    # Each state as plain comparisons (Entitlement.state_is), not the state's CASE once per figure.
    paid = Entitlement.state_is(EntitlementState.ACTIVE, today)
    active = and_(paid, licensed)
    trial = Entitlement.state_is(EntitlementState.ACTIVE_TRIAL, today)
    soon = bindparam("soon", type_=Date)
    # The health score's usage figures, per entitlement as sums over a range of its primary key
    # (usage_day and bandwidth_day are kept in key order, migration 0003): this month's Gateway
    # bandwidth of paid entitlements, and daily active users of the last 30 days against the 30
    # before. Summed per customer with the other figures in one pass over its entitlements (as
    # two more joins grouped by customer, the statement took about twice as long on SQLite).
    month_first = bindparam("month_first", type_=Date)
    recent_from = bindparam("recent_from", type_=Date)
    before_from = bindparam("before_from", type_=Date)
    bandwidth = _range_sum(BandwidthDay, BandwidthDay.megabytes, month_first, BandwidthDay.day <= today)
    recent = _range_sum(UsageDay, UsageDay.daily_active, recent_from, UsageDay.day <= today)
    before = _range_sum(UsageDay, UsageDay.daily_active, before_from, UsageDay.day < recent_from)
    entitlements = (
        select(
            Entitlement.organization_id.label("org_id"),
            func.sum(case((active, Entitlement.license_count), else_=0)).label("purchased"),
            func.sum(case((active, Entitlement.licenses_assigned), else_=0)).label("assigned"),
            func.min(case((and_(paid, Entitlement.end_date <= soon), Entitlement.end_date))).label("expiring_on"),
            func.sum(case((trial, 1), else_=0)).label("active_trials"),
            func.sum(case((Entitlement.state_is(EntitlementState.PENDING_TRIAL, today), 1), else_=0)).label(
                "pending_trials"
            ),
            func.sum(case((Entitlement.state_is(EntitlementState.EXPIRED_TRIAL, today), 1), else_=0)).label(
                "expired_trials"
            ),
            func.min(case((trial, Entitlement.end_date))).label("trial_ends_on"),
            func.sum(
                case((and_(paid, Entitlement.service_code.in_(bandwidth_codes)), Entitlement.license_count), else_=0)
            ).label("gateway_users"),
            func.sum(case((paid, bandwidth))).label("used_mb"),
            func.sum(recent).label("recent"),
            func.sum(before).label("before"),
        )
        .where(Entitlement.organization_id.in_(licensing))
        .group_by(Entitlement.organization_id)
        .subquery("ent")
    )
    notes = customer_unread_counts(admin_id, partner_id, today)
    tickets = (
        select(SupportTicket.organization_id.label("org_id"), func.count().label("open_tickets"))
        .where(SupportTicket.organization_id.in_(ticketing), SupportTicket.status == TicketStatus.OPEN)
        .group_by(SupportTicket.organization_id)
        .subquery("tickets")
    )
    tags = (
        select(
            CustomerTag.customer_id.label("org_id"),
            func.aggregate_strings(CustomerTag.label, TAG_SEPARATOR).label("labels"),
        )
        .where(CustomerTag.partner_id == partner_id)
        .group_by(CustomerTag.customer_id)
        .subquery("tags")
    )
    return entitlements, notes, tickets, tags


def _range_sum(table, column, first, last_condition):
    """Scalar subquery: `column` summed over the current entitlement's days from `first` to
    `last_condition` (NULL without any)."""
    return (
        select(func.sum(column))
        .where(table.entitlement_id == Entitlement.id, table.day >= first, last_condition)
        .correlate(Entitlement)
        .scalar_subquery()
    )


def _contact():
    """Scalar subquery: the row's contact, the customer's longest-standing full-access
    administrator (the lowest id), not a partner administrator added later. Looked up per row:
    the administrator through its organization's index, then the person by primary key (as a
    derived table joined to the rows, SQLite scanned all of it for every row; as one join per
    row, PostgreSQL hashed the people table for every row of a small data set)."""
    first_full_admin = (
        select(Administrator.user_id)
        .where(Administrator.organization_id == Organization.id, Administrator.access == Access.FULL)
        .order_by(Administrator.id)
        .limit(1)
        .correlate(Organization)
        .scalar_subquery()
    )
    return select(User.email).where(User.id == first_full_admin).correlate(Organization).scalar_subquery()


def _plain_rows(statement, values: dict):
    """The rows of a statement of plain columns, read through the session's connection in its
    transaction (after flushing pending changes, as the session would): they need none of the
    ORM's result handling, which cost the dashboard's two statements about 0.8 ms."""
    db.session.flush()
    return db.session.connection().execute(statement, values)


def _values(partner_id: int, admin_id: int, today: date) -> dict:
    """The bound parameters of _statement."""
    return {
        "partner_id": partner_id,
        "admin_id": admin_id,
        "today": today,
        "soon": today + timedelta(days=EXPIRY_WARNING_DAYS),
        "month_first": today.replace(day=1),
        "recent_from": today - timedelta(days=29),
        "before_from": today - timedelta(days=59),
    }


@functools.cache
def _statement():
    """The dashboard's one statement: each connected customer with every figure its row shows.

    Built once per worker with bound parameters (_values): building it took longer than the
    database takes to answer it. Searches, filters and the sort are added to it by _shaped."""
    partner_id = bindparam("partner_id", type_=Integer)
    admin_id = bindparam("admin_id", type_=Integer)
    today = bindparam("today", type_=Date)
    ent, notes, tickets, tags = _aggregates(partner_id, admin_id, today)
    purchased = func.coalesce(ent.c.purchased, 0)
    assigned = func.coalesce(ent.c.assigned, 0)
    unread = func.coalesce(notes.c.unread, 0)
    open_tickets = func.coalesce(tickets.c.open_tickets, 0)
    stmt = (
        select(
            Organization.id,
            Organization.orgid,
            Organization.name,
            Organization.tenancy,
            Connection.created_at,
            _contact(),
            purchased,
            assigned,
            ent.c.expiring_on,
            unread,
            open_tickets,
            ent.c.trial_ends_on,
            func.coalesce(ent.c.gateway_users, 0),
            func.coalesce(ent.c.used_mb, 0),
            func.coalesce(notes.c.critical, 0),
            func.coalesce(ent.c.recent, 0),
            func.coalesce(ent.c.before, 0),
            tags.c.labels,
            Connection.share_licensing,
            Connection.share_notifications,
            Connection.share_tickets,
        )
        .join(Organization, Organization.id == Connection.customer_id)
        .outerjoin(ent, ent.c.org_id == Organization.id)
        .outerjoin(notes, notes.c.org_id == Organization.id)
        .outerjoin(tickets, tickets.c.org_id == Organization.id)
        .outerjoin(tags, tags.c.org_id == Organization.id)
        .where(Connection.partner_id == partner_id, Connection.ended_at.is_(None))
    )
    return stmt, ent, purchased, assigned, unread, open_tickets


def _row(r, today: date, per_user_month_mb: int, administered_org_ids: set[int]) -> CustomerRow:
    """One CustomerRow from one result row of _statement."""
    expiring_on, trial_ends_on = r[8], r[11]
    inputs = hs.HealthInputs(
        purchased=int(r[6]),
        assigned=int(r[7]),
        days_to_expiry=(expiring_on - today).days if expiring_on else None,
        days_to_trial_end=(trial_ends_on - today).days if trial_ends_on else None,
        gateway_used_mb=int(r[13]),
        gateway_allotment_mb=int(r[12]) * per_user_month_mb,
        critical_unread=int(r[14]),
        open_tickets=int(r[10]),
        active_recent=int(r[15]),
        active_before=int(r[16]),
    )
    return CustomerRow(
        org_id=r[0],
        orgid=r[1],
        name=r[2],
        tenancy=r[3],
        connected_since=r[4],
        contact=r[5],
        purchased=int(r[6]),
        assigned=int(r[7]),
        expiring_on=expiring_on,
        unread=int(r[9]),
        open_tickets=int(r[10]),
        health_inputs=inputs,
        tags=sorted(r[17].split(TAG_SEPARATOR), key=str.lower) if r[17] else [],
        shares={sharing.LICENSING: bool(r[18]), sharing.NOTIFICATIONS: bool(r[19]), sharing.TICKETS: bool(r[20])},
        can_access_account=r[3] is Tenancy.MULTI and r[0] in administered_org_ids,
    )


@functools.lru_cache(maxsize=256)
def _shaped(
    sort: str, direction: str, tenancy: str, trial: str, flag: str, searched: bool, tagged: bool, by_orgid: bool
):
    """_statement with the filters and the order of a request, their values bound parameters
    (name_pattern and orgid_pattern, tag, orgids): built once per worker and shape, as the
    statement itself, for the same reason (the 256 shapes used last are kept: few are in use)."""
    stmt, ent, purchased, assigned, unread, open_tickets = _statement()
    if by_orgid:
        stmt = stmt.where(Organization.orgid.in_(bindparam("orgids", expanding=True)))
    if searched:
        stmt = stmt.where(
            or_(
                func.lower(Organization.name).like(bindparam("name_pattern", type_=String)),
                Organization.orgid.like(bindparam("orgid_pattern", type_=String)),
            )
        )
    if tenancy:
        stmt = stmt.where(Organization.tenancy == Tenancy(tenancy))
    if trial:
        column = {
            "active-trial": ent.c.active_trials,
            "pending-trial": ent.c.pending_trials,
            "expired-trial": ent.c.expired_trials,
        }[trial]
        stmt = stmt.where(column > 0)
    if flag == "over-licensed":
        stmt = stmt.where(assigned > purchased)
    elif flag == "expiring":
        stmt = stmt.where(ent.c.expiring_on.is_not(None))
    if tagged:
        stmt = stmt.where(
            Organization.id.in_(
                select(CustomerTag.customer_id).where(
                    CustomerTag.partner_id == bindparam("partner_id", type_=Integer),
                    CustomerTag.label == bindparam("tag", type_=String),
                )
            )
        )
    ratio = case((purchased > 0, assigned * 1.0 / purchased), else_=-1.0)
    order = {
        "name": func.lower(Organization.name),
        "orgid": Organization.orgid,
        "tenancy": Organization.tenancy,
        "connected": Connection.created_at,
        "health": ratio,
        "notifications": unread,
        "tickets": open_tickets,
        "score": func.lower(Organization.name),
    }[sort]
    order = order.desc() if direction == "desc" else order.asc()
    return stmt.order_by(order, func.lower(Organization.name), Organization.id)


def dashboard_rows(
    partner_id: int,
    admin_id: int,
    params: DashboardParams,
    administered_org_ids: set[int],
    today: date | None = None,
    orgids: list[str] | None = None,
) -> list[CustomerRow]:
    """The partner's connected customers as administrator `admin_id` sees them, searched, filtered
    and sorted: two queries in all.

    The health score is computed in Python from the figures the statement brings: at most 100
    rows (the connection limit), so its filter and sort run on the rows rather than in SQL,
    where the weights would need a second copy."""
    today = today or date.today()
    per_user_month_mb = allotments().per_user_month_mb
    stmt = _shaped(
        params.sort,
        params.dir,
        params.tenancy,
        params.trial,
        params.flag,
        searched=bool(params.q),
        tagged=bool(params.tag),
        by_orgid=orgids is not None,
    )
    values = _values(partner_id, admin_id, today)
    if params.q:
        values["name_pattern"] = f"%{params.q.lower()}%"
        values["orgid_pattern"] = f"%{params.q}%"
    if params.tag:
        values["tag"] = params.tag
    if orgids is not None:
        values["orgids"] = list(orgids)
    rows = [_row(r, today, per_user_month_mb, administered_org_ids) for r in _plain_rows(stmt, values)]
    if params.score:
        rows = [row for row in rows if row.score.band == params.score]
    if params.sort == "score":
        # Stable sort: equal scores keep the name order the statement gave them.
        rows.sort(key=lambda row: row.score.score, reverse=params.dir == "desc")
    _attach_services(rows, today)
    return rows


def customer_health_inputs(
    partner_id: int, admin_id: int, org_id: int, today: date | None = None
) -> hs.HealthInputs | None:
    """The figures of one connected customer's health score, as the dashboard reads them (one
    query); None when the customer is not connected to the partner."""
    today = today or date.today()
    per_user_month_mb = allotments().per_user_month_mb
    found = _plain_rows(_one_customer(), {**_values(partner_id, admin_id, today), "org_id": org_id}).first()
    return _row(found, today, per_user_month_mb, set()).health_inputs if found else None


@functools.cache
def _one_customer():
    """_statement for one customer (bound parameter org_id), built once per worker."""
    return _statement()[0].where(Organization.id == bindparam("org_id", type_=Integer))


def customer_health(partner_id: int, admin_id: int, org_id: int, today: date | None = None) -> hs.Health | None:
    """One connected customer's health score as the dashboard computes it (one query), or None."""
    inputs = customer_health_inputs(partner_id, admin_id, org_id, today)
    return None if inputs is None else hs.health(inputs)


@functools.cache
def _services_statement():
    """The services of the customers `org_ids` with their states on `today` (bound parameters),
    in the order the rows list them; built once per worker."""
    return (
        select(
            Entitlement.organization_id,
            Service.name,
            Entitlement.state_expression(bindparam("today", type_=Date)),
        )
        .join(Service, Service.code == Entitlement.service_code)
        .where(Entitlement.organization_id.in_(bindparam("org_ids", expanding=True)))
        .order_by(Entitlement.organization_id, Service.sort_order, Entitlement.id)
    )


_STATES = {state.value: state for state in EntitlementState}


def _attach_services(rows: list[CustomerRow], today: date) -> None:
    """Fill each row's services and states with one query for all rows."""
    if not rows:
        return
    by_org = {row.org_id: row for row in rows if row.shares[sharing.LICENSING]}
    if not by_org:
        return
    grouped: dict[int, list[ServiceState]] = defaultdict(list)
    for org_id, name, state in _plain_rows(_services_statement(), {"today": today, "org_ids": list(by_org)}):
        grouped[org_id].append(ServiceState(name, _STATES[state]))
    for org_id, services in grouped.items():
        by_org[org_id].services = services


ENTITLEMENT_GROUPS = [
    (EntitlementState.ACTIVE_TRIAL, lazy_gettext("Active service trials")),
    (EntitlementState.PENDING_TRIAL, lazy_gettext("Pending service trial requests")),
    (EntitlementState.EXPIRED_TRIAL, lazy_gettext("Expired service trials")),
    (EntitlementState.ACTIVE, lazy_gettext("Active service entitlements")),
    (EntitlementState.EXPIRED, lazy_gettext("Expired service entitlements")),
]


def customer_details(org_id: int, connection: Connection) -> dict:
    """Orders, grouped entitlements and administrator contact of one customer as the connection's
    partner may see them (three queries; the contact alone when licensing is not shared)."""
    from ..models import Order

    contact = db.session.scalar(
        select(User.email)
        .join(Administrator, Administrator.user_id == User.id)
        .where(Administrator.organization_id == org_id, Administrator.access == Access.FULL)
        .order_by(Administrator.id)
        .limit(1)
    )
    if not sharing.shared(connection, sharing.LICENSING):
        return {"entitlement_groups": [], "orders": [], "contact": contact, "licensing_shared": False}
    lines = entitlement_lines(org_id)
    groups = [(label, [line for line in lines if line.state is state]) for state, label in ENTITLEMENT_GROUPS]
    orders = db.session.execute(
        select(Order, Service.name)
        .join(Service, Service.code == Order.service_code)
        .where(Order.organization_id == org_id)
        .order_by(Order.ordered_on.desc(), Order.id.desc())
    ).all()
    return {"entitlement_groups": groups, "orders": orders, "contact": contact, "licensing_shared": True}
