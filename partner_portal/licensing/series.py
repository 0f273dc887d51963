"""Usage series read with SQL aggregates: 12 months and 30 days, per entitlement and per customer,
and Gateway bandwidth per billing period, month and source (or site).

Every function issues exactly one statement, whatever the number of entitlements, days, months
or sites, and groups by month inside the database; Python only fills the months or days that
have no rows.

Index use: the usage_day primary key (entitlement_id, day) serves every query here as a range
scan per entitlement, and bandwidth_day's (entitlement_id, day, source, site) likewise;
entitlement.organization_id's index finds a customer's entitlements.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Date, Integer, String, and_, bindparam, cast, func, select, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.functions import FunctionElement

from ..extensions import db
from ..models import BandwidthDay, BandwidthSource, Entitlement, UsageDay
from .math import EntitlementFigures, last_days, last_months

MONTHS = 12
DAYS = 30


def _spelled(sqlite: str, postgresql: str):
    """Class decorator: compile a one-argument SQL function element as `sqlite` or `postgresql`
    (`{}` stands for the argument); any other dialect fails loudly rather than answer wrongly.
    Formats are inlined, not bound, so a SELECT and its GROUP BY spell the expression the same
    way, which PostgreSQL requires to accept the grouping."""
    spellings = {"sqlite": sqlite, "postgresql": postgresql}

    def register(element_class):
        @compiles(element_class)
        def _compile(element, compiler, **kw):
            spelling = spellings.get(compiler.dialect.name)
            if spelling is None:
                raise NotImplementedError(f"{element_class.name} has no spelling for {compiler.dialect.name}")
            return spelling.format(compiler.process(element.clauses, **kw))

        return element_class

    return register


@_spelled(sqlite="strftime('%Y-%m', {})", postgresql="to_char({}, 'YYYY-MM')")
class month_key(FunctionElement):
    """SQL expression turning a DATE into its 'YYYY-MM' month (SQLite stores dates as ISO text,
    which strftime cuts; PostgreSQL's to_char)."""

    type = String()
    name = "month_key"
    inherit_cache = True


@_spelled(sqlite="CAST({} AS TEXT)", postgresql="to_char({}, 'YYYY-MM-DD')")
class day_text(FunctionElement):
    """SQL expression: a DATE as 'YYYY-MM-DD' text, for exports that write the day as it is. Read
    as text, a long history skips parsing every day into a date and formatting it again (a third
    of the time of writing three years of days as CSV). SQLite stores it so already; PostgreSQL
    spells it with to_char, since a plain cast would follow the server's DateStyle."""

    type = String()
    name = "day_text"
    inherit_cache = True


def _month_from_key(key: str) -> date:
    """Parse a 'YYYY-MM' key into the first day of that month."""
    year, month = key.split("-")
    return date(int(year), int(month), 1)


@dataclass(frozen=True)
class MonthPoint:
    """One calendar month of usage for an entitlement (or a sum over several)."""

    month: date
    assigned: int = 0  # highest daily assigned count in the month
    newly_assigned: int = 0  # licenses first assigned during the month
    monthly_active: int = 0  # highest 30-day active-user count in the month
    peak_concurrent: int | None = None
    has_data: bool = False


@dataclass(frozen=True)
class DayPoint:
    """One day of usage for an entitlement."""

    day: date
    assigned: int = 0
    newly_assigned: int = 0
    daily_active: int = 0
    monthly_active: int = 0
    peak_concurrent: int | None = None
    has_data: bool = False


def _month_window(today: date, months: int) -> tuple[list[date], date]:
    """Return the months shown and the first day they cover."""
    shown = last_months(today, months)
    return shown, shown[0]


def _fill_months(shown: Sequence[date], found: dict[date, MonthPoint]) -> list[MonthPoint]:
    """Return one point per shown month, zero where the query returned nothing."""
    return [found.get(month) or MonthPoint(month) for month in shown]


def _fill_days(shown: Sequence[date], found: dict[date, DayPoint]) -> list[DayPoint]:
    """Return one point per shown day, zero where the query returned nothing."""
    return [found.get(day) or DayPoint(day) for day in shown]


def _month_columns():
    """The aggregate columns of a monthly series, in MonthPoint order after the month."""
    return (
        func.max(UsageDay.assigned),
        func.sum(UsageDay.newly_assigned),
        func.max(UsageDay.monthly_active),
        func.max(UsageDay.peak_concurrent),
    )


def _month_point(key: str, assigned, newly, monthly_active, peak) -> MonthPoint:
    """Build a MonthPoint from one aggregated row (SUM comes back as Decimal on some drivers)."""
    return MonthPoint(
        _month_from_key(key),
        int(assigned or 0),
        int(newly or 0),
        int(monthly_active or 0),
        None if peak is None else int(peak),
        True,
    )


def monthly_series(entitlement_id: int, today: date, months: int = MONTHS) -> list[MonthPoint]:
    """Return the entitlement's last `months` calendar months (today's included), oldest first."""
    shown, first = _month_window(today, months)
    month = month_key(UsageDay.day)
    rows = db.session.execute(
        select(month, *_month_columns())
        .where(UsageDay.entitlement_id == entitlement_id, UsageDay.day >= first, UsageDay.day <= today)
        .group_by(month)
    )
    found = {point.month: point for point in (_month_point(*row) for row in rows)}
    return _fill_months(shown, found)


def org_monthly_series(
    organization_id: int, today: date, months: int = MONTHS, service_code: str | None = None
) -> dict[int, list[MonthPoint]]:
    """Return {entitlement id: monthly series} for every entitlement of the organization
    (optionally of one service), including entitlements without usage (all zeros)."""
    rows = _entitlement_months(Entitlement.id, organization_id, today, months, service_code)
    return dict(sorted(rows.items()))


def service_entitlement_series(
    organization_id: int, service_code: str, today: date, months: int = MONTHS
) -> list[tuple[Entitlement, list[MonthPoint]]]:
    """Every entitlement of the organization for one service, by id, each with its monthly series
    (all zeros without usage): one statement."""
    rows = _entitlement_months(Entitlement, organization_id, today, months, service_code)
    return sorted(rows.items(), key=lambda item: item[0].id)


def _entitlement_months(key, organization_id: int, today: date, months: int, service_code: str | None) -> dict:
    """{key of each entitlement (its id, or the Entitlement): monthly series}."""
    shown, first = _month_window(today, months)
    month = month_key(UsageDay.day)
    # The date range sits in the join condition, not WHERE, so entitlements without usage in
    # the window still come back (with a NULL month) and get an all-zero series.
    query = (
        select(key, month, *_month_columns())
        .outerjoin(
            UsageDay, and_(UsageDay.entitlement_id == Entitlement.id, UsageDay.day >= first, UsageDay.day <= today)
        )
        .where(Entitlement.organization_id == organization_id)
        .group_by(Entitlement.id, month)
    )
    if service_code is not None:
        query = query.where(Entitlement.service_code == service_code)
    found: dict = {}
    for entitlement, key_value, *figures in db.session.execute(query):
        points = found.setdefault(entitlement, {})
        if key_value is not None:
            point = _month_point(key_value, *figures)
            points[point.month] = point
    return {entitlement: _fill_months(shown, points) for entitlement, points in found.items()}


def service_monthly_series(
    organization_id: int, service_code: str, today: date, months: int = MONTHS
) -> list[MonthPoint]:
    """Return one monthly series summing all of the organization's entitlements of a service.

    Each entitlement's monthly peak is taken first (inner query) and the peaks are then added
    up (outer query): summing daily rows directly would add up days, not entitlements.
    """
    shown, first = _month_window(today, months)
    month = month_key(UsageDay.day).label("month")
    per_entitlement = (
        select(
            month,
            *(
                column.label(name)
                for column, name in zip(
                    _month_columns(), ("assigned", "newly_assigned", "monthly_active", "peak_concurrent"), strict=True
                )
            ),
        )
        .join(Entitlement, Entitlement.id == UsageDay.entitlement_id)
        .where(
            Entitlement.organization_id == organization_id,
            Entitlement.service_code == service_code,
            UsageDay.day >= first,
            UsageDay.day <= today,
        )
        .group_by(UsageDay.entitlement_id, month_key(UsageDay.day))
        .subquery()
    )
    rows = db.session.execute(
        select(
            per_entitlement.c.month,
            func.sum(per_entitlement.c.assigned),
            func.sum(per_entitlement.c.newly_assigned),
            func.sum(per_entitlement.c.monthly_active),
            func.sum(per_entitlement.c.peak_concurrent),
        ).group_by(per_entitlement.c.month)
    )
    found = {point.month: point for point in (_month_point(*row) for row in rows)}
    return _fill_months(shown, found)


def _day_columns():
    """The columns of a daily series, in DayPoint order after the day."""
    return (
        UsageDay.day,
        UsageDay.assigned,
        UsageDay.newly_assigned,
        UsageDay.daily_active,
        UsageDay.monthly_active,
        UsageDay.peak_concurrent,
    )


def daily_series(entitlement_id: int, today: date, days: int = DAYS) -> list[DayPoint]:
    """Return the entitlement's last `days` days (today included), oldest first."""
    shown = last_days(today, days)
    rows = db.session.execute(
        select(*_day_columns()).where(
            UsageDay.entitlement_id == entitlement_id, UsageDay.day >= shown[0], UsageDay.day <= today
        )
    )
    found = {row[0]: DayPoint(*row, has_data=True) for row in rows}
    return _fill_days(shown, found)


def org_daily_series(
    organization_id: int, today: date, days: int = DAYS, service_code: str | None = None
) -> dict[int, list[DayPoint]]:
    """Return {entitlement id: daily series} for every entitlement of the organization
    (optionally of one service), including entitlements without usage (all zeros)."""
    shown = last_days(today, days)
    query = (
        select(Entitlement.id, *_day_columns())
        .outerjoin(
            UsageDay, and_(UsageDay.entitlement_id == Entitlement.id, UsageDay.day >= shown[0], UsageDay.day <= today)
        )
        .where(Entitlement.organization_id == organization_id)
    )
    if service_code is not None:
        query = query.where(Entitlement.service_code == service_code)
    found: dict[int, dict[date, DayPoint]] = {}
    for entitlement_id, *row in db.session.execute(query):
        points = found.setdefault(entitlement_id, {})
        if row[0] is not None:
            points[row[0]] = DayPoint(*row, has_data=True)
    return {entitlement_id: _fill_days(shown, points) for entitlement_id, points in sorted(found.items())}


def entitlement_figures(organization_id: int, today: date) -> list[EntitlementFigures]:
    """Return each of the organization's entitlements with its latest day of usage up to today,
    ready for math.summarize_services (one statement)."""
    rows = db.session.execute(_entitlement_figures_statement(), {"organization_id": organization_id, "today": today})
    return [
        EntitlementFigures(
            entitlement_id=row[0],
            service_code=row[1],
            license_count=row[2],
            start_date=row[3],
            end_date=row[4],
            commit_model=row[5].value,
            is_trial=row[6],
            # No usage rows yet: fall back to the entitlement's recorded count (row[11]).
            assigned=row[7] if row[10] is not None else row[11],
            monthly_active=row[8] or 0,
            daily_active=row[9] or 0,
            latest_day=row[10],
        )
        for row in rows
    ]


@functools.cache
def _entitlement_figures_statement():
    """Built once (every licensing panel and summary runs it; building it cost more than running it).

    The latest day is found per entitlement first (one index seek each: a scalar max over the key),
    then joined to its row."""
    earlier = aliased(UsageDay)
    entitlements = (
        select(
            Entitlement.id,
            Entitlement.service_code,
            Entitlement.license_count,
            Entitlement.start_date,
            Entitlement.end_date,
            Entitlement.commit_model,
            Entitlement.is_trial,
            Entitlement.licenses_assigned,
            select(func.max(earlier.day))
            .where(earlier.entitlement_id == Entitlement.id, earlier.day <= bindparam("today", type_=Date))
            .correlate(Entitlement)
            .scalar_subquery()
            .label("latest_day"),
        )
        .where(Entitlement.organization_id == bindparam("organization_id"))
        .subquery("entitlements")
    )
    e = entitlements.c
    return (
        select(
            e.id,
            e.service_code,
            e.license_count,
            e.start_date,
            e.end_date,
            e.commit_model,
            e.is_trial,
            UsageDay.assigned,
            UsageDay.monthly_active,
            UsageDay.daily_active,
            UsageDay.day,
            e.licenses_assigned,
        )
        .outerjoin(UsageDay, and_(UsageDay.entitlement_id == e.id, UsageDay.day == e.latest_day))
        .order_by(e.id)
    )


# --- Gateway bandwidth ------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """Days of one entitlement's billing period to read: `period` is its number (bandwidth.Period)."""

    entitlement_id: int
    period: int
    first: date
    last: date


# (cloud, on-premises) megabytes of each month with usage, per (entitlement id, period).
PeriodUsage = dict[tuple[int, int], dict[date, tuple[int, int]]]


def bandwidth_months(windows: Sequence[Window]) -> PeriodUsage:
    """Return the bandwidth of each window per calendar month, split into cloud and on-premises
    (all sites together). Windows without usage are left out.

    The windows travel as a VALUES list (of bound parameters) joined to bandwidth_day, so one
    statement serves any number of entitlements and periods, each read as a range of its primary key.
    """
    if not windows:
        return {}
    params = {}
    for index, w in enumerate(windows):
        params.update({f"e{index}": w.entitlement_id, f"p{index}": w.period, f"f{index}": w.first, f"l{index}": w.last})
    rows = db.session.execute(_bandwidth_months_statement(len(windows)), params)
    found: PeriodUsage = {}
    for entitlement_id, period, key, source, megabytes in rows:
        months = found.setdefault((entitlement_id, period), {})
        month_first = _month_from_key(key)
        cloud, on_premises = months.get(month_first, (0, 0))
        if source is BandwidthSource.CLOUD:
            cloud += int(megabytes)
        else:
            on_premises += int(megabytes)
        months[month_first] = (cloud, on_premises)
    return found


@functools.lru_cache(maxsize=64)
def _bandwidth_months_statement(count: int):
    """The statement for `count` windows, built once per count with bound parameters e0, p0, f0,
    l0, …: one grouped SELECT per window (a range of bandwidth_day's primary key), joined by UNION
    ALL. Not a VALUES list: SQLAlchemy gives a statement containing VALUES no cache key, so it
    was compiled anew on every request (about a tenth of the View Licensing panel's time);
    tests/unit/test_series.py checks that this one has a key."""
    month = month_key(BandwidthDay.day)
    branches = [
        select(
            BandwidthDay.entitlement_id,
            cast(bindparam(f"p{i}", type_=Integer), Integer).label("period"),
            month,
            BandwidthDay.source,
            func.sum(BandwidthDay.megabytes),
        )
        .where(
            BandwidthDay.entitlement_id == bindparam(f"e{i}", type_=Integer),
            BandwidthDay.day >= bindparam(f"f{i}", type_=Date),
            BandwidthDay.day <= bindparam(f"l{i}", type_=Date),
        )
        .group_by(BandwidthDay.entitlement_id, month, BandwidthDay.source)
        for i in range(count)
    ]
    return branches[0] if count == 1 else union_all(*branches)


def bandwidth_sites(entitlement_id: int, first: date, last: date) -> dict[str, dict[date, int]]:
    """Return {site: {month: megabytes}} of the entitlement's on-premises usage from first to last,
    sites in name order (the per-site split behind the on-premises figure)."""
    month = month_key(BandwidthDay.day)
    rows = db.session.execute(
        select(BandwidthDay.site, month, func.sum(BandwidthDay.megabytes))
        .where(
            BandwidthDay.entitlement_id == entitlement_id,
            BandwidthDay.source == BandwidthSource.ON_PREMISES,
            BandwidthDay.day >= first,
            BandwidthDay.day <= last,
        )
        .group_by(BandwidthDay.site, month)
        .order_by(BandwidthDay.site)
    )
    found: dict[str, dict[date, int]] = {}
    for site, key, megabytes in rows:
        found.setdefault(site, {})[_month_from_key(key)] = int(megabytes)
    return found
