"""Realistic, deterministic daily usage for the demo world, loaded through the CSV import path.

Fixed entitlements grow towards their current assigned count, mostly on working days, and
some end above the purchased count (overage). Monthly-commit (service-provider) entitlements
start again from zero each month, fill up within the first working days, and drift around the
commitment so that some months run over it.

Gateway (bandwidth) entitlements get daily bandwidth from the cloud service and from up to
three on-premises sites since their start: as much as the allotment of their assigned users
would allow, so an entitlement with more users at work than it licenses runs into overage.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from ..extensions import db
from ..models import BandwidthSource, CommitModel, Entitlement, Organization, Service
from .importer import ImportReport, import_usage
from .math import add_months, month_start, monthly_reset_assigned
from .queries import allotments

# 13 months and a bit, so the 12-month charts are full even early in a month.
HISTORY_DAYS = 400
# Bandwidth goes back to the start of the term (at most this far): a termed pool depends on
# everything used since its first day.
BANDWIDTH_HISTORY_DAYS = 3 * 366
DEMO_SEED = 20261127
SITES = ("ams-dc1", "fra-dc2", "lon-hq", "nyc-edge", "sgp-dc1")
# Working days carry most of the traffic; the weights average 1 over a week.
WEEKDAY_WEIGHT, WEEKEND_WEIGHT = 1.28, 0.3


@dataclass(frozen=True)
class _Spec:
    """What the generator needs to know about one entitlement."""

    entitlement_id: int
    orgid: str
    service_code: str
    license_count: int
    target_assigned: int
    monthly_commit: bool
    concurrent: bool
    first_day: date
    last_day: date


def _started(entitlement_ids: Sequence[int], bandwidth: bool) -> Iterator[tuple[Entitlement, str]]:
    """The started entitlements among the ids, of bandwidth services or of licensed ones, each
    with its customer's ORGID (one query per thousand ids)."""
    for start in range(0, len(entitlement_ids), 1000):
        yield from db.session.execute(
            select(Entitlement, Organization.orgid)
            .join(Organization, Organization.id == Entitlement.organization_id)
            .join(Service, Service.code == Entitlement.service_code)
            .where(
                Entitlement.id.in_(entitlement_ids[start : start + 1000]),
                Entitlement.start_date.is_not(None),
                Service.is_bandwidth.is_(bandwidth),
            )
            .order_by(Entitlement.id)
        ).all()


def _specs(entitlement_ids: Sequence[int], today: date) -> list[_Spec]:
    """Load the entitlements that can have license usage."""
    specs = []
    for entitlement, orgid in _started(entitlement_ids, bandwidth=False):
        last_day = min(today, entitlement.end_date or today)
        # Trials show usage from their first day; paid entitlements carry a longer history
        # (the customer renewed earlier terms), so every chart has a full year.
        first_day = entitlement.start_date if entitlement.is_trial else today - timedelta(days=HISTORY_DAYS)
        if first_day > last_day:
            continue
        specs.append(
            _Spec(
                entitlement_id=entitlement.id,
                orgid=orgid,
                service_code=entitlement.service_code,
                license_count=entitlement.license_count,
                target_assigned=entitlement.licenses_assigned,
                monthly_commit=entitlement.commit_model is CommitModel.MONTHLY_COMMIT,
                concurrent=entitlement.service_code.endswith("concurrent"),
                first_day=first_day,
                last_day=last_day,
            )
        )
    return specs


def _days(first: date, last: date) -> list[date]:
    """Every day from first to last, inclusive."""
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


def _fixed_assigned(spec: _Spec, days: Sequence[date], rng: random.Random) -> tuple[list[int], list[int]]:
    """A cumulative assigned count that grows from about half the target to the target,
    stepping mostly on working days and now and then in a roll-out burst."""
    target = spec.target_assigned
    begin = round(target * rng.uniform(0.35, 0.65))
    weights = []
    for day in days:
        weight = (1.0 if day.weekday() < 5 else 0.12) * rng.uniform(0.5, 1.5)
        if rng.random() < 0.02:
            weight *= 8  # a department rolled out at once
        weights.append(weight)
    total = sum(weights) or 1.0
    assigned, newly, previous, running = [], [], begin, 0.0
    for weight in weights:
        running += weight
        assigned.append(begin + round((target - begin) * running / total))
        newly.append(assigned[-1] - previous)
        previous = assigned[-1]
    return assigned, newly


def _commit_month_levels(spec: _Spec, days: Sequence[date], rng: random.Random) -> dict[date, int]:
    """The number of distinct users each month reaches: trending up to the current level and
    wobbling around it, so some months exceed the commitment."""
    months = sorted({month_start(day) for day in days})
    levels = {}
    for index, month in enumerate(months):
        trend = 0.75 + 0.25 * (index / max(1, len(months) - 1))
        levels[month] = round(spec.target_assigned * trend * rng.uniform(0.9, 1.12))
    return levels


def _commit_assigned(spec: _Spec, days: Sequence[date], rng: random.Random) -> tuple[list[int], list[int]]:
    """Assigned counts that restart each month: most users launch in the first working days."""
    levels = _commit_month_levels(spec, days, rng)
    newly, previous, month, working_days = [], 0, None, 0
    for day in days:
        if month_start(day) != month:
            month, previous, working_days = month_start(day), 0, 0
        if day.weekday() < 5:
            working_days += 1
        reached = round(levels[month] * (1 - math.exp(-0.45 * working_days)))
        newly.append((day, max(0, reached - previous)))
        previous = max(previous, reached)
    return [assigned for _day, assigned in monthly_reset_assigned(newly)], [count for _day, count in newly]


def _entitlement_rows(spec: _Spec, seed: int) -> Iterator[dict]:
    """Yield one CSV-shaped row per day of the entitlement's history."""
    # Seeded per entitlement, so one entitlement's history does not depend on the others'.
    # Not random.SystemRandom: demo figures, not secrets; the draw must repeat.
    rng = random.Random(f"{seed}:{spec.entitlement_id}")  # noqa: S311  # nosec B311
    days = _days(spec.first_day, spec.last_day)
    if spec.monthly_commit:
        assigned, newly = _commit_assigned(spec, days, rng)
    else:
        assigned, newly = _fixed_assigned(spec, days, rng)
    engagement = rng.uniform(0.72, 0.93)
    month_peaks: dict[date, int] = {}
    for count, day in zip(assigned, days, strict=False):
        month_peaks[month_start(day)] = max(count, month_peaks.get(month_start(day), 0))
    for index, day in enumerate(days):
        if spec.monthly_commit:
            # Users active over the last 30 days: this month's launches so far blended with
            # last month's population, which fades out as the month goes on.
            last_month = month_peaks.get(add_months(month_start(day), -1), month_peaks[month_start(day)])
            share = min(1.0, day.day / 30)
            population = max(assigned[index], round(month_peaks[month_start(day)] * share + last_month * (1 - share)))
        else:
            population = assigned[index]
        monthly_active = round(population * engagement * rng.uniform(0.97, 1.03))
        if not spec.monthly_commit:
            monthly_active = min(monthly_active, assigned[index])
        busy = rng.uniform(0.55, 0.75) if day.weekday() < 5 else rng.uniform(0.05, 0.14)
        # Whoever is active today holds a license (this month's, for monthly-commit licensing).
        daily_active = min(monthly_active, assigned[index], round(monthly_active * busy))
        yield {
            "orgid": spec.orgid,
            "service": spec.service_code,
            "entitlement_id": spec.entitlement_id,
            "day": day,
            "licenses_assigned": assigned[index],
            "newly_assigned": newly[index],
            "daily_active_users": daily_active,
            "monthly_active_users": monthly_active,
            "peak_concurrent": round(daily_active * rng.uniform(0.55, 0.8)) if spec.concurrent else None,
        }


def demo_usage_rows(specs: Sequence[_Spec], seed: int = DEMO_SEED) -> Iterator[dict]:
    """Yield the demo usage rows of all entitlements, in the import's CSV shape."""
    for spec in specs:
        yield from _entitlement_rows(spec, seed)


# --- Gateway bandwidth --------------------------------------------------------------------------


@dataclass(frozen=True)
class _BandwidthSpec:
    """What the bandwidth generator needs to know about one Gateway entitlement."""

    entitlement_id: int
    orgid: str
    active_users: int
    first_day: date
    last_day: date


def _bandwidth_specs(entitlement_ids: Sequence[int], today: date) -> list[_BandwidthSpec]:
    """Load the Gateway entitlements that can have bandwidth."""
    specs = []
    for entitlement, orgid in _started(entitlement_ids, bandwidth=True):
        first_day = max(entitlement.start_date, today - timedelta(days=BANDWIDTH_HISTORY_DAYS))
        last_day = min(today, entitlement.end_date or today)
        if first_day <= last_day:
            # Users at work on the Gateway: the entitlement's assigned count, or all it licenses.
            specs.append(
                _BandwidthSpec(
                    entitlement.id,
                    orgid,
                    entitlement.licenses_assigned or entitlement.license_count,
                    first_day,
                    last_day,
                )
            )
    return specs


def _bandwidth_rows(spec: _BandwidthSpec, seed: int, per_user_month_mb: int) -> Iterator[dict]:
    """Yield one CSV-shaped row per day and source: the cloud service and each site."""
    # Not random.SystemRandom: demo figures; the draw must repeat.
    rng = random.Random(f"{seed}:bandwidth:{spec.entitlement_id}")  # noqa: S311  # nosec B311
    # Larger customers run on-premises deployments beside the cloud service.
    sites = rng.sample(SITES, k=rng.choice((1, 2, 2, 3) if spec.active_users >= 100 else (0, 1)))
    cloud_share = rng.uniform(0.35, 0.75) if sites else 1.0
    weights = [rng.uniform(0.5, 1.5) for _ in sites]
    shares = [(1 - cloud_share) * weight / sum(weights) for weight in weights]
    # A user's monthly allotment spread over the days of an average month.
    per_day = spec.active_users * per_user_month_mb * 12 / 365 * rng.uniform(0.9, 1.1)
    for day in _days(spec.first_day, spec.last_day):
        level = per_day * (WEEKDAY_WEIGHT if day.weekday() < 5 else WEEKEND_WEIGHT) * rng.uniform(0.85, 1.15)
        base = {"orgid": spec.orgid, "service": "gateway", "entitlement_id": spec.entitlement_id, "day": day}
        yield {**base, "source": BandwidthSource.CLOUD.value, "site": "", "bandwidth_mb": round(level * cloud_share)}
        for site, share in zip(sites, shares, strict=False):
            yield {
                **base,
                "source": BandwidthSource.ON_PREMISES.value,
                "site": site,
                "bandwidth_mb": round(level * share),
            }


def demo_bandwidth_rows(
    specs: Sequence[_BandwidthSpec], per_user_month_mb: int, seed: int = DEMO_SEED
) -> Iterator[dict]:
    """Yield the demo bandwidth rows of all Gateway entitlements, in the import's CSV shape."""
    for spec in specs:
        yield from _bandwidth_rows(spec, seed, per_user_month_mb)


def load_demo_usage(entitlements: Iterable[Entitlement | int], today: date, seed: int = DEMO_SEED) -> ImportReport:
    """Generate usage history for the given entitlements and load it with import_usage.

    Pending trial requests are skipped. Each licensed entitlement's current licenses_assigned
    is the level its history grows towards; the import then sets it from the last day. A
    Gateway entitlement's licenses_assigned is the number of users whose traffic it carries.
    Does not commit. Raises RuntimeError if the import rejects a row (a bug).
    """
    db.session.flush()
    ids = [item if isinstance(item, int) else item.id for item in entitlements]
    specs, bandwidth = _specs(ids, today), _bandwidth_specs(ids, today)
    per_user_month_mb = allotments().per_user_month_mb
    report = import_usage(
        lambda: itertools.chain(demo_usage_rows(specs, seed), demo_bandwidth_rows(bandwidth, per_user_month_mb, seed)),
        today=today,
    )
    if not report.ok:
        raise RuntimeError(f"the demo usage was rejected: {report.fatal or report.errors[:3]}")
    return report
