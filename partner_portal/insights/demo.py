"""The demo world's insights: a customer whose seat trend runs past its purchase before the term
ends (forecast overage), one at risk, a tagged group, and a customer that shares only its
licensing. The rest of the spread of health scores comes from the generated customers.

Added last and without the builder's random draws, so the rest of the world stays exactly as it
was (the browser tests pick customers and notifications from it)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert

from ..extensions import db
from ..models import (
    Access,
    Administrator,
    ConnectionMethod,
    CustomerTag,
    Entitlement,
    Notification,
    Order,
    Organization,
    Severity,
    SupportTicket,
    Tenancy,
    Term,
    TicketSeverity,
    UsageDay,
    User,
)

FORECAST_CUSTOMER = "Litware Analytics"
LICENSING_ONLY_CUSTOMER = "Wide World Importers"
TAGS = {"renewal-q3": 4, "strategic": 3}


def add_insights_demo(builder, partner: Organization, customers: list[Organization], fabrikam: Organization) -> None:
    """Add the insights demo to the world `builder` is making (not committed)."""
    today = builder.today
    litware = _org(builder, FORECAST_CUSTOMER)
    builder.connect(partner, litware, ConnectionMethod.INVITATION, None, days_ago=380)
    start, end = today - timedelta(days=400), today + timedelta(days=120)
    builder.order_seq += 1
    db.session.add(
        Order(
            organization_id=litware.id,
            number=f"ORD-{200000 + builder.order_seq}",
            ordered_on=start,
            service_code="daas-user",
            quantity=200,
            term=Term.TERMED,
        )
    )
    seats = Entitlement(
        organization_id=litware.id,
        service_code="daas-user",
        license_count=200,
        term=Term.TERMED,
        start_date=start,
        end_date=end,
    )
    db.session.add(seats)
    db.session.flush()
    # One more license assigned about every three days for 400 days: 60 then, 193 today; the line
    # reaches about 233 by the end of the term, 33 over the 200 purchased.
    days = [start + timedelta(days=offset) for offset in range((today - start).days + 1)]
    rows = [
        {
            "entitlement_id": seats.id,
            "day": day,
            "assigned": 60 + (day - start).days // 3,
            "newly_assigned": 1 if (day - start).days % 3 == 0 else 0,
            "daily_active": 40 + (day - start).days // 5,
            "monthly_active": 50 + (day - start).days // 4,
            "peak_concurrent": None,
        }
        for day in days
    ]
    db.session.execute(insert(UsageDay), rows)
    seats.licenses_assigned = rows[-1]["assigned"]

    # A month old: behind the first page of the notification center, which the browser tests read
    # as the rest of the demo makes it (still unread, so still in the health score).
    noticed = builder.now - timedelta(days=30)
    wide = _org(builder, LICENSING_ONLY_CUSTOMER)
    _annual_seats(builder, wide, today, started_days_ago=200, ends_in_days=165, count=250, assigned=210)
    db.session.add_all(
        [
            Notification(
                organization_id=wide.id,
                severity=Severity.CRITICAL,
                title="Connector offline",
                body="A connector in your resource location stopped reporting.",
                created_at=noticed,
                emailed_at=noticed,
            ),
            SupportTicket(
                organization_id=wide.id,
                subject="Slow session launch",
                opened_at=noticed,
                description="Desktops take two to three minutes to start in the morning.",
            ),
        ]
    )
    link = builder.connect(partner, wide, ConnectionMethod.INVITATION, None, days_ago=90)
    link.share_notifications = False
    link.share_tickets = False

    # A customer at risk whatever the random draw: over-assigned and ending soon, with critical
    # notices and open tickets.
    risky = customers[0]
    _annual_seats(builder, risky, today, started_days_ago=355, ends_in_days=10, count=100, assigned=130)
    db.session.add_all(
        [
            Notification(
                organization_id=risky.id,
                severity=Severity.CRITICAL,
                title="Connector offline",
                body="A connector in your resource location stopped reporting.",
                created_at=noticed,
                emailed_at=noticed,
            ),
            Notification(
                organization_id=risky.id,
                severity=Severity.CRITICAL,
                title="Certificate expired",
                body="The certificate of your gateway expired.",
                created_at=noticed,
                emailed_at=noticed,
            ),
            SupportTicket(
                organization_id=risky.id,
                subject="Sign-in fails for some users",
                opened_at=noticed,
                severity=TicketSeverity.HIGH,
                description="Since Monday about a dozen users get an error after entering their password.",
            ),
        ]
    )

    # Tags: a renewal group (the forecast customer among them) and a few strategic accounts.
    group = {
        "renewal-q3": [litware, *customers[1 : TAGS["renewal-q3"]]],
        "strategic": [fabrikam, *customers[10 : 10 + TAGS["strategic"] - 1]],
    }
    for label, members in group.items():
        db.session.add_all(CustomerTag(partner_id=partner.id, customer_id=member.id, label=label) for member in members)
    db.session.flush()


def _org(builder, name: str) -> Organization:
    """A single-tenant customer called `name` with a full-access contact, without random draws."""
    org = Organization(name=name, tenancy=Tenancy.SINGLE, created_at=builder.now - timedelta(days=900))
    db.session.add(org)
    db.session.flush()
    builder.used_names.add(name)
    slug = "".join(ch for ch in name.lower() if ch.isalnum())
    user = User(email=f"admin@{slug}.example", name=f"Admin {name.split()[0]}")
    db.session.add(user)
    db.session.flush()
    db.session.add(Administrator(user_id=user.id, organization_id=org.id, access=Access.FULL))
    return org


def _annual_seats(builder, org, today, started_days_ago: int, ends_in_days: int, count: int, assigned: int) -> None:
    """An annual Secure Private Access order and its entitlement for `org`."""
    builder.order_seq += 1
    started = today - timedelta(days=started_days_ago)
    db.session.add(
        Order(
            organization_id=org.id,
            number=f"ORD-{200000 + builder.order_seq}",
            ordered_on=started,
            service_code="secure-private-access",
            quantity=count,
            term=Term.ANNUAL,
        )
    )
    db.session.add(
        Entitlement(
            organization_id=org.id,
            service_code="secure-private-access",
            license_count=count,
            term=Term.ANNUAL,
            start_date=started,
            end_date=today + timedelta(days=ends_in_days),
            licenses_assigned=assigned,
        )
    )
