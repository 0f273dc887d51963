"""Reads of the calendar feed: whose feed a token opens, and the expiries it lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, or_, select

from ..accounts.queries import active_programs
from ..extensions import db
from ..models import Administrator, CalendarFeed, Connection, Entitlement, Organization, Permission, Service
from ..web.i18n import format_date, format_number, gettext
from .services import token_hash

# Past events stay in the feed this long, so a calendar keeps the recent history.
KEEP_PAST_DAYS = 90


@dataclass(frozen=True)
class FeedEvent:
    """One all-day event: an entitlement's (or trial's) last day."""

    uid: str
    day: date
    summary: str
    description: str


def feed_administrator(token: str) -> Administrator | None:
    """The administrator whose feed URL carries `token`, or None (unknown or revoked)."""
    return db.session.scalar(
        select(Administrator)
        .join(CalendarFeed, CalendarFeed.administrator_id == Administrator.id)
        .where(CalendarFeed.token_hash == token_hash(token))
    )


def feed_created_at(admin_id: int) -> datetime | None:
    """When the administrator's current feed URL was made, or None without one."""
    return db.session.scalar(select(CalendarFeed.created_at).where(CalendarFeed.administrator_id == admin_id))


def sees_customers(administrator: Administrator) -> bool:
    """True when the feed also lists connected customers' expiries: the same people who open the
    Customer Dashboard (a partner-badged organization, and the Customer Dashboard permission)."""
    return administrator.can(Permission.CUSTOMER_DASHBOARD) and bool(active_programs(administrator.organization_id))


def expiry_events(administrator: Administrator, today: date) -> list[FeedEvent]:
    """The organization's own entitlement and trial ends, and for a partner's dashboard users
    those of every connected customer that shares its licensing (one query)."""
    from ..connections.sharing import licensing_shared

    org_id = administrator.organization_id
    whose = Entitlement.organization_id == org_id
    if sees_customers(administrator):
        connected = select(Connection.customer_id).where(
            Connection.partner_id == org_id, Connection.ended_at.is_(None), licensing_shared()
        )
        whose = or_(whose, Entitlement.organization_id.in_(connected))
    rows = db.session.execute(
        select(
            Entitlement.id,
            Entitlement.end_date,
            Entitlement.is_trial,
            Entitlement.license_count,
            Service.name,
            Service.unit,
            Organization.name,
            Organization.orgid,
            Organization.id,
        )
        .join(Service, Service.code == Entitlement.service_code)
        .join(Organization, Organization.id == Entitlement.organization_id)
        .where(
            whose,
            Entitlement.end_date.is_not(None),
            Entitlement.end_date >= today - timedelta(days=KEEP_PAST_DAYS),
            # A pending trial request has no dates yet.
            or_(Entitlement.is_trial.is_(False), and_(Entitlement.is_trial, Entitlement.start_date.is_not(None))),
        )
        .order_by(Entitlement.end_date, Organization.name, Entitlement.id)
    )
    events = []
    for entitlement_id, end, is_trial, count, service, unit, name, orgid, owner in rows:
        events.append(
            FeedEvent(
                uid=f"entitlement-{entitlement_id}-end@partner-portal",
                day=end,
                summary=_summary(service, is_trial, None if owner == org_id else name),
                description=_description(name, orgid, service, is_trial, count, unit, end),
            )
        )
    return events


def _summary(service: str, is_trial: bool, customer: str | None) -> str:
    """The event's title: "DaaS ends", or with a connected customer's name in front."""
    if customer is None:
        if is_trial:
            return gettext("%(service)s trial ends", service=service)
        return gettext("%(service)s ends", service=service)
    if is_trial:
        return gettext("%(customer)s: %(service)s trial ends", customer=customer, service=service)
    return gettext("%(customer)s: %(service)s ends", customer=customer, service=service)


def _description(name: str, orgid: str, service: str, is_trial: bool, count: int, unit: str, end: date) -> str:
    """The event's details: whose, which service, how many licenses, and the last day."""
    values = {"name": name, "orgid": orgid, "service": service, "count": format_number(count), "unit": unit}
    values["day"] = format_date(end)
    if is_trial:
        return gettext(
            "%(name)s (ORGID %(orgid)s) · %(service)s trial · %(count)s %(unit)s · last day %(day)s", **values
        )
    return gettext("%(name)s (ORGID %(orgid)s) · %(service)s · %(count)s %(unit)s · last day %(day)s", **values)
