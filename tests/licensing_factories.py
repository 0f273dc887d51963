"""Factory functions for licensing test data: services, entitlements, daily usage and bandwidth."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import insert, select

from partner_portal.extensions import db
from partner_portal.models import (
    BandwidthDay, BandwidthSource, CommitModel, Entitlement, Organization, Service, Term, UsageDay,
)

SERVICES = {
    "daas-user": ("DaaS (user/device)", "users", False),
    "daas-concurrent": ("DaaS (concurrent)", "concurrent users", False),
    "gateway": ("Gateway service", "users", True),
    "secure-private-access": ("Secure Private Access", "users", False),
    "endpoint-management": ("Endpoint Management", "devices", False),
}


def make_service(code: str = "daas-user") -> Service:
    """The catalogue entry for `code` (created on first use)."""
    service = db.session.get(Service, code)
    if service is None:
        name, unit, bandwidth = SERVICES[code]
        service = Service(code=code, name=name, unit=unit, is_bandwidth=bandwidth,
                          sort_order=list(SERVICES).index(code))
        db.session.add(service)
        db.session.flush()
    return service


def make_entitlement(org: Organization, service_code: str = "daas-user", license_count: int = 100,
                     start: date | None = date(2024, 1, 1), end: date | None = date(2030, 12, 31),
                     commit_model: CommitModel = CommitModel.FIXED, is_trial: bool = False,
                     term: Term = Term.ANNUAL, licenses_assigned: int = 0) -> Entitlement:
    """An entitlement of `org` to a service (start=None makes a pending trial request)."""
    make_service(service_code)
    entitlement = Entitlement(organization_id=org.id, service_code=service_code, license_count=license_count,
                              start_date=start, end_date=end, commit_model=commit_model, is_trial=is_trial,
                              term=term, licenses_assigned=licenses_assigned)
    db.session.add(entitlement)
    db.session.flush()
    return entitlement


def make_usage(entitlement: Entitlement, day: date, assigned: int = 0, newly_assigned: int = 0,
               daily_active: int = 0, monthly_active: int = 0, peak_concurrent: int | None = None) -> None:
    """Store one day of usage."""
    db.session.add(UsageDay(entitlement_id=entitlement.id, day=day, assigned=assigned,
                            newly_assigned=newly_assigned, daily_active=daily_active,
                            monthly_active=monthly_active, peak_concurrent=peak_concurrent))
    db.session.flush()


def make_usage_days(entitlement: Entitlement, first: date, last: date, assigned: int = 10,
                    daily_active: int = 3, monthly_active: int = 8) -> int:
    """Store the same figures for every day from first to last (one bulk insert); returns the count."""
    rows = [
        {"entitlement_id": entitlement.id, "day": first + timedelta(days=offset), "assigned": assigned,
         "newly_assigned": 0, "daily_active": daily_active, "monthly_active": monthly_active}
        for offset in range((last - first).days + 1)
    ]
    db.session.execute(insert(UsageDay), rows)
    return len(rows)


def stored_usage(entitlement: Entitlement) -> list[UsageDay]:
    """The entitlement's stored days, oldest first (read fresh from the database)."""
    db.session.expire_all()
    return list(db.session.scalars(select(UsageDay).where(UsageDay.entitlement_id == entitlement.id)
                                   .order_by(UsageDay.day)))


def make_bandwidth(entitlement: Entitlement, day: date, megabytes: int, site: str = "") -> None:
    """Store one day of bandwidth: from the cloud service, or from the on-premises `site`."""
    source = BandwidthSource.ON_PREMISES if site else BandwidthSource.CLOUD
    db.session.add(BandwidthDay(entitlement_id=entitlement.id, day=day, source=source, site=site,
                                megabytes=megabytes))
    db.session.flush()


def make_bandwidth_days(entitlement: Entitlement, first: date, last: date, megabytes: int, site: str = "") -> int:
    """Store the same bandwidth for every day from first to last (one bulk insert); returns the count."""
    source = BandwidthSource.ON_PREMISES if site else BandwidthSource.CLOUD
    rows = [{"entitlement_id": entitlement.id, "day": first + timedelta(days=offset), "source": source,
             "site": site, "megabytes": megabytes} for offset in range((last - first).days + 1)]
    db.session.execute(insert(BandwidthDay), rows)
    return len(rows)
