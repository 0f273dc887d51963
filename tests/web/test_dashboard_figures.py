"""The dashboard statement's figures at their edges: which days of usage and bandwidth count
towards the health score, which entitlements' bandwidth, what a customer that does not share its
licensing contributes, and which administrator is the contact."""
from __future__ import annotations

from datetime import date, timedelta

from flask import current_app

from partner_portal.connections import sharing
from partner_portal.customers.queries import DashboardParams, customer_health_inputs, dashboard_rows
from partner_portal.extensions import db
from partner_portal.models import Access

from ..factories import connect, make_admin, make_org, make_partner, make_user
from ..licensing_factories import make_bandwidth, make_entitlement, make_usage

# A fixed day: this month began on the 1st, the last 30 days began on Feb 14 and the 30 before on Jan 15.
TODAY = date(2026, 3, 15)
RECENT_FROM, BEFORE_FROM, MONTH_FIRST = date(2026, 2, 14), date(2026, 1, 15), date(2026, 3, 1)
DAY = timedelta(days=1)


def _inputs(partner, customer):
    return customer_health_inputs(partner.id, 0, customer.id, today=TODAY)


def test_daily_active_users_count_within_their_two_windows_only():
    partner, customer = make_partner("Windows"), make_org("Usage Co")
    connect(partner, customer)
    seats = make_entitlement(customer, start=date(2025, 1, 1), end=date(2027, 1, 1))
    # Each day's figure is a different power of two, so each sum shows exactly which days counted.
    days = {BEFORE_FROM - DAY: 1, BEFORE_FROM: 2, RECENT_FROM - DAY: 4, RECENT_FROM: 8, TODAY: 16, TODAY + DAY: 32}
    for day, active in days.items():
        make_usage(seats, day, daily_active=active)
    # An expired entitlement's use still counts: the trend is about the customer's users.
    old = make_entitlement(customer, start=date(2024, 1, 1), end=TODAY - DAY)
    make_usage(old, RECENT_FROM, daily_active=64)
    make_usage(old, BEFORE_FROM, daily_active=128)
    inputs = _inputs(partner, customer)
    assert (inputs.active_recent, inputs.active_before) == (8 + 16 + 64, 2 + 4 + 128)


def test_this_months_bandwidth_of_paid_entitlements_only():
    partner, customer = make_partner("Bandwidth"), make_org("Gateway Co")
    connect(partner, customer)
    paid = make_entitlement(customer, "gateway", license_count=2, start=date(2025, 1, 1), end=date(2027, 1, 1))
    for day, megabytes in {MONTH_FIRST - DAY: 1, MONTH_FIRST: 2, TODAY: 4, TODAY + DAY: 8}.items():
        make_bandwidth(paid, day, megabytes)
    make_bandwidth(paid, TODAY, 16, site="Berlin")
    trial = make_entitlement(customer, "gateway", license_count=5, is_trial=True, start=MONTH_FIRST,
                             end=date(2026, 4, 1))
    make_bandwidth(trial, TODAY, 32)
    ended = make_entitlement(customer, "gateway", license_count=7, start=date(2025, 1, 1), end=TODAY - DAY)
    make_bandwidth(ended, MONTH_FIRST, 64)
    inputs = _inputs(partner, customer)
    assert inputs.gateway_used_mb == 2 + 4 + 16
    # The allotment counts the paid entitlement's users only.
    assert inputs.gateway_allotment_mb == 2 * current_app.config["BANDWIDTH_MB_PER_USER_MONTH"]


def test_a_customer_not_sharing_its_licensing_adds_no_licensing_figures():
    partner, customer = make_partner("Withheld"), make_org("Private Co")
    link = connect(partner, customer)
    sharing.apply(link, {sharing.LICENSING: False})
    seats = make_entitlement(customer, license_count=10, licenses_assigned=12, start=date(2025, 1, 1),
                             end=TODAY + 5 * DAY)
    make_usage(seats, TODAY, daily_active=3)
    gateway = make_entitlement(customer, "gateway", license_count=1, start=date(2025, 1, 1), end=date(2027, 1, 1))
    make_bandwidth(gateway, TODAY, 5000)
    make_entitlement(customer, is_trial=True, start=TODAY - DAY, end=TODAY + DAY)
    db.session.flush()
    inputs = _inputs(partner, customer)
    assert (inputs.purchased, inputs.assigned, inputs.days_to_expiry, inputs.days_to_trial_end) == (0, 0, None, None)
    assert (inputs.gateway_used_mb, inputs.gateway_allotment_mb, inputs.active_recent) == (0, 0, 0)
    assert dashboard_rows(partner.id, 0, DashboardParams(trial="active-trial"), set(), today=TODAY) == []


def test_the_contact_is_the_longest_standing_full_access_administrator():
    partner, customer = make_partner("Contacts"), make_org("Many Admins Co")
    connect(partner, customer)
    make_admin(customer, make_user("custom@example.com"), access=Access.CUSTOM)
    make_admin(customer, make_user("first@example.com"))
    make_admin(customer, make_user("second@example.com"))
    nobody = make_org("No Admin Co")
    connect(partner, nobody)
    rows = {row.name: row.contact for row in dashboard_rows(partner.id, 0, DashboardParams(), set(), today=TODAY)}
    assert rows == {"Many Admins Co": "first@example.com", "No Admin Co": None}
