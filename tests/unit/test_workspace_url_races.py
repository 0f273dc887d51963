"""Workspace URLs stay within 10 per account and unique across the portal when requests race, against the real
database (SQLite file or PostgreSQL) with real commits from many threads."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from partner_portal.csp.services import ServiceProviderRefused, add_customer_to_domain, set_shared_workspace
from partner_portal.extensions import db
from partner_portal.models import IdentityDomain, Workspace

from ..csp_factories import add_to_domain, make_domain, make_provider
from ..factories import connect, make_org
from ..races import OK, race

pytestmark = [pytest.mark.committing, pytest.mark.concurrency]


def test_the_tenth_url_is_given_once_when_five_additions_race(app, committed):
    provider = make_provider()
    domain = make_domain(provider)
    for n in range(9):
        customer = make_org()
        connect(provider, customer)
        add_to_domain(domain, customer, f"existing-{n}")
    newcomers = []
    for _ in range(5):
        customer = make_org()
        connect(provider, customer)
        newcomers.append(customer.orgid)
    provider_id, domain_id = provider.id, domain.id
    db.session.commit()

    def adding(orgid: str):
        def load():
            domain = db.session.get(IdentityDomain, domain_id)
            return lambda: add_customer_to_domain(domain, orgid, f"new-{orgid}", None)
        return load

    outcomes = race(app, [adding(orgid) for orgid in newcomers], (ServiceProviderRefused,))

    assert outcomes.count(OK) == 1
    assert all("already has 10 workspace URLs" in o for o in outcomes if o != OK)
    db.session.rollback()  # end the read snapshot taken before the race (SQLite WAL keeps it)
    assert db.session.scalar(select(func.count()).select_from(Workspace).where(Workspace.provider_id == provider_id)) == 10


def test_one_slug_wanted_by_two_providers_at_once_goes_to_one(app, committed):
    providers = [make_provider().id for _ in range(6)]
    db.session.commit()

    def claiming(provider_id: int):
        def load():
            return lambda: set_shared_workspace(provider_id, "popular", None)
        return load

    outcomes = race(app, [claiming(provider_id) for provider_id in providers], (ServiceProviderRefused,))

    assert outcomes.count(OK) == 1
    assert all("already in use" in o for o in outcomes if o != OK)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Workspace).where(Workspace.slug == "popular")) == 1
