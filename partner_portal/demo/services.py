"""Build the demo world. Deterministic (seeded), and never loaded twice."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone

import click
from sqlalchemy import func, select

from ..auth.passwords import hash_password
from ..csp.demo import WORKSPACE_SIGN_IN, build_workspaces
from ..extensions import db
from ..models import (
    Access,
    Administrator,
    CommitModel,
    LicenseAssignment,
    Connection,
    ConnectionMethod,
    Entitlement,
    MembershipStatus,
    Notification,
    Order,
    Organization,
    Permission,
    Program,
    ProgramMembership,
    Service,
    Severity,
    Side,
    SupportTicket,
    Tenancy,
    Term,
    TicketStatus,
    User,
)
from ..models.organization import new_invitation_token

# People who sign in to the portal; the workspace user signs in to a workspace only (it is a directory
# user of the demo partner's domain, not a portal user).
PORTAL_SIGN_INS = [
    ("partner, full access", "partner@demo.example", "demo-partner"),
    ("partner, custom access with Customer Dashboard (View Only)", "viewer@demo.example", "demo-viewer"),
    ("partner, custom access without it", "limited@demo.example", "demo-limited"),
    ("second partner", "rival@demo.example", "demo-rival"),
    ("customer administrator (connected to the first partner)", "customer@demo.example", "demo-customer"),
    ("operator (customer service)", "operator@demo.example", "demo-operator"),
]
SIGN_INS = PORTAL_SIGN_INS + [WORKSPACE_SIGN_IN]

SERVICES = [
    ("daas-user", "DaaS (user/device)", "users", False),
    ("daas-concurrent", "DaaS (concurrent)", "concurrent users", False),
    ("gateway", "Gateway service", "users", True),
    ("secure-private-access", "Secure Private Access", "users", False),
    ("endpoint-management", "Endpoint Management", "devices", False),
]

# Gateway customers of every term type, some in overage: (term, trial, licensed users, users at
# work, started days ago, runs for days). Bandwidth follows the users at work (demo_usage.py).
GATEWAY_SCENARIOS = [
    (Term.TERMED, False, 200, 250, 1000, 3 * 365),  # a three-year pool, passed in its last months
    (Term.ANNUAL, False, 500, 560, 480, 2 * 365),  # the first year ran over; the second is within
    (Term.MONTHLY, False, 250, 265, 400, 600),  # some months above the allotment, some below
    (Term.MONTHLY, True, 25, 45, 40, 60),  # a 60-day trial past its 50 GB
]
# The demo customer's own Licensing shows both kinds too.
FABRIKAM_GATEWAY = [
    (Term.ANNUAL, False, 150, 120, 200, 365),
    (Term.MONTHLY, False, 50, 58, 300, 400),
]

_FIRST = [
    "Alder",
    "Birch",
    "Cedar",
    "Delta",
    "Ember",
    "Fjord",
    "Granite",
    "Harbor",
    "Iris",
    "Juniper",
    "Kestrel",
    "Lumen",
    "Maple",
    "Nimbus",
    "Orchid",
    "Pioneer",
    "Quartz",
    "Riverside",
    "Summit",
    "Tidewater",
    "Upland",
    "Vista",
    "Willow",
    "Yarrow",
    "Zephyr",
    "Aurora",
    "Beacon",
    "Crescent",
    "Driftwood",
    "Evergreen",
    "Foxglove",
    "Glacier",
    "Heron",
    "Ironwood",
    "Jasper",
    "Keystone",
]
_SECOND = [
    "Health",
    "Logistics",
    "Legal",
    "Foods",
    "Energy",
    "Retail",
    "Insurance",
    "Labs",
    "Travel",
    "Credit Union",
    "Architects",
    "Schools",
    "Manufacturing",
    "Media",
    "Biotech",
    "Hotels",
]


def demo_loaded() -> bool:
    """True when the demo accounts exist."""
    return db.session.scalar(select(User.id).where(func.lower(User.email) == "partner@demo.example")) is not None


def print_sign_ins() -> None:
    """Print the demo sign-ins (on start, when the demo world is present)."""
    lines = ["", "Partner Portal demo sign-ins:"]
    lines += [f"  {email:<24} {password:<15} {who}" for who, email, password in SIGN_INS]
    click.echo("\n".join(lines) + "\n")


def ensure_services() -> None:
    """Create the service catalogue entries that are missing."""
    existing = set(db.session.scalars(select(Service.code)))
    for order, (code, name, unit, bandwidth) in enumerate(SERVICES):
        if code not in existing:
            db.session.add(Service(code=code, name=name, unit=unit, is_bandwidth=bandwidth, sort_order=order))
    db.session.flush()


def load_demo(only_if_empty: bool) -> bool:
    """Load the demo world; returns False (changing nothing) when it is present, or when
    `only_if_empty` and the database already has organizations."""
    if demo_loaded():
        return False
    if only_if_empty and db.session.scalar(select(func.count()).select_from(Organization)):
        return False
    # Seeded on purpose: the demo world is the same on every start; nothing secret is drawn.
    DemoBuilder(random.Random(20261127), date.today()).build()  # noqa: S311  # nosec B311
    db.session.commit()
    return True


class DemoBuilder:
    """Creates the demo organizations, people, connections and customer activity."""

    def __init__(self, rng: random.Random, today: date):
        self.rng = rng
        self.today = today
        self.now = datetime.now(timezone.utc)
        self.users: dict[str, User] = {}
        self.used_names: set[str] = set()
        self.order_seq = 0
        self.entitlements: list[Entitlement] = []
        # Service notices already read by their organization (see notifications/demo.py).
        self.read_notifications: list[Notification] = []

    def build(self) -> None:
        """Create everything."""
        ensure_services()
        for _who, email, password in PORTAL_SIGN_INS:
            user = User(
                email=email,
                name=email.split("@")[0].capitalize() + " Demo",
                password_hash=hash_password(password),
                is_operator=email.startswith("operator@"),
            )
            db.session.add(user)
            self.users[email] = user
        db.session.flush()

        partner = self.org(
            "Northwind Cloud Partners",
            Tenancy.MULTI,
            primary=True,
            programs=[Program.SOLUTION_ADVISOR, Program.SERVICE_PROVIDER],
        )
        self.admin("partner@demo.example", partner)
        self.admin(
            "viewer@demo.example", partner, Access.CUSTOM, {Permission.CUSTOMER_DASHBOARD, Permission.NOTIFICATIONS}
        )
        self.admin("limited@demo.example", partner, Access.CUSTOM, {Permission.LICENSING, Permission.SUPPORT})

        rival = self.org("Bluewave IT Services", Tenancy.MULTI, primary=True, programs=[Program.SOLUTION_ADVISOR])
        self.admin("rival@demo.example", rival)

        lapsed = self.org("Old Mill Consulting", Tenancy.SINGLE, programs=[Program.SOLUTION_ADVISOR], lapsed=True)
        self.admin("limited@demo.example", lapsed)

        # The operator works in the operator console and administers no organization.

        # The demo customer: connected to Northwind, plus a second account that is not connected
        # yet, so the invitation flow can be tried end to end.
        fabrikam = self.org("Fabrikam Health", Tenancy.SINGLE)
        self.admin("customer@demo.example", fabrikam)
        self.customer_activity(fabrikam, richness=3)
        self.connect(partner, fabrikam, ConnectionMethod.INVITATION, "customer@demo.example", days_ago=420)
        tailspin = self.org("Tailspin Retail", Tenancy.SINGLE)
        self.admin("customer@demo.example", tailspin)
        self.customer_activity(tailspin, richness=1)

        customers = []
        for index in range(36):
            tenancy = Tenancy.MULTI if index % 3 == 0 else Tenancy.SINGLE
            customer = self.org(self.company_name(), tenancy)
            customers.append(customer)
            self.contact(customer)
            self.customer_activity(customer, richness=self.rng.randint(0, 3))
            if tenancy is Tenancy.MULTI:
                # Added by the partner: its full administrator administers the customer too,
                # for as long as the connection lasts.
                link = self.connect(
                    partner, customer, ConnectionMethod.ADDED, "partner@demo.example", days_ago=self.rng.randint(5, 700)
                )
                self.admin("partner@demo.example", customer, via=link)
            else:
                self.connect(partner, customer, ConnectionMethod.INVITATION, None, days_ago=self.rng.randint(5, 700))

        for customer, scenario in zip(customers, GATEWAY_SCENARIOS, strict=False):
            self.gateway(customer, *scenario)
        for scenario in FABRIKAM_GATEWAY:
            self.gateway(fabrikam, *scenario)

        for _ in range(7):
            customer = self.org(self.company_name(), self.rng.choice(list(Tenancy)))
            self.contact(customer)
            self.customer_activity(customer, richness=self.rng.randint(0, 2))
            self.connect(rival, customer, ConnectionMethod.INVITATION, None, days_ago=self.rng.randint(5, 300))
        # One customer works with both partners.
        self.connect(rival, fabrikam, ConnectionMethod.INVITATION, None, days_ago=60)
        build_workspaces(partner, fabrikam)

        # An ended connection, kept as history.
        former = self.org(self.company_name(), Tenancy.SINGLE)
        link = self.connect(partner, former, ConnectionMethod.INVITATION, None, days_ago=500)
        link.ended_at = self.now - timedelta(days=30)
        link.ended_by_side = Side.CUSTOMER
        db.session.flush()

        # Who holds Fabrikam's licenses: only Fabrikam's own administrators may see this list.
        for entitlement in self.entitlements:
            if entitlement.organization_id == fabrikam.id and not entitlement.is_trial:
                db.session.add_all(
                    LicenseAssignment(
                        entitlement_id=entitlement.id,
                        holder=f"user{n:04d}@fabrikamhealth.example",
                        assigned_on=entitlement.start_date + timedelta(days=n % 200),
                        last_active=self.today - timedelta(days=n % 40),
                    )
                    for n in range(1, min(entitlement.licenses_assigned, 150) + 1)
                )

        from ..operator.demo import add_customer_service_demo

        add_customer_service_demo(self, partner, rival, fabrikam)

        # 13+ months of daily usage, written through the same import as real usage files.
        from ..licensing.demo_usage import load_demo_usage

        load_demo_usage(self.entitlements, self.today)

        from ..notifications.demo import add_demo_notifications

        add_demo_notifications(self, partner, fabrikam, tailspin)

        from ..insights.demo import add_insights_demo

        add_insights_demo(self, partner, customers, fabrikam)

    # --- building blocks -------------------------------------------------------------------

    def company_name(self) -> str:
        """A unique fictional company name."""
        while True:
            name = f"{self.rng.choice(_FIRST)} {self.rng.choice(_SECOND)}"
            if name not in self.used_names:
                self.used_names.add(name)
                return name

    def org(
        self, name: str, tenancy: Tenancy, primary: bool = False, programs=(), lapsed: bool = False
    ) -> Organization:
        """Create an organization with program memberships."""
        org = Organization(
            name=name,
            tenancy=tenancy,
            is_primary_cloud_account=primary,
            created_at=self.now - timedelta(days=self.rng.randint(400, 1500)),
        )
        if programs:
            org.invitation_token = new_invitation_token()
        db.session.add(org)
        db.session.flush()
        for program in programs:
            db.session.add(
                ProgramMembership(
                    organization_id=org.id,
                    program=program,
                    status=MembershipStatus.LAPSED if lapsed else MembershipStatus.ACTIVE,
                )
            )
        return org

    def add_entitlement(self, entitlement: Entitlement) -> None:
        """Add an entitlement and keep it for the usage history."""
        db.session.add(entitlement)
        self.entitlements.append(entitlement)

    def gateway(
        self, org: Organization, term: Term, trial: bool, users: int, at_work: int, started_days_ago: int, days: int
    ) -> None:
        """A Gateway entitlement (with its order when paid) whose bandwidth follows `at_work` users."""
        start = self.today - timedelta(days=started_days_ago)
        if not trial:
            self.order_seq += 1
            db.session.add(
                Order(
                    organization_id=org.id,
                    number=f"ORD-{200000 + self.order_seq}",
                    ordered_on=start,
                    service_code="gateway",
                    quantity=users,
                    term=term,
                )
            )
        self.add_entitlement(
            Entitlement(
                organization_id=org.id,
                service_code="gateway",
                is_trial=trial,
                license_count=users,
                term=term,
                start_date=start,
                end_date=start + timedelta(days=days - 1),
                licenses_assigned=at_work,
            )
        )

    def contact(self, org: Organization) -> None:
        """A full-access administrator for a customer, without a password (never signs in)."""
        slug = "".join(ch for ch in org.name.lower() if ch.isalnum())
        first = self.rng.choice(["alex", "sam", "jordan", "robin", "kim", "lee", "morgan", "taylor"])
        user = User(email=f"{first}@{slug}.example", name=f"{first.capitalize()} {org.name.split()[0]}")
        db.session.add(user)
        db.session.flush()
        db.session.add(Administrator(user_id=user.id, organization_id=org.id, access=Access.FULL))

    def admin(
        self, email: str, org: Organization, access: Access = Access.FULL, permissions=(), via: Connection | None = None
    ) -> None:
        """Make a demo user an administrator of `org` (through the connection `via`, if given)."""
        db.session.add(
            Administrator(
                user_id=self.users[email].id,
                organization_id=org.id,
                access=access,
                permissions=frozenset(p.value for p in permissions),
                via_connection_id=via.id if via else None,
            )
        )

    def connect(
        self,
        partner: Organization,
        customer: Organization,
        method: ConnectionMethod,
        by_email: str | None,
        days_ago: int,
    ) -> Connection:
        """Create an active connection that started `days_ago`."""
        link = Connection(
            partner_id=partner.id,
            customer_id=customer.id,
            method=method,
            created_at=self.now - timedelta(days=days_ago),
            created_by_id=self.users[by_email].id if by_email else None,
        )
        db.session.add(link)
        db.session.flush()
        return link

    def customer_activity(self, org: Organization, richness: int) -> None:
        """Entitlements, notifications and tickets; `richness` 0..3 sets how much."""
        rng, today = self.rng, self.today
        codes = [code for code, *_ in SERVICES]
        for code in rng.sample(codes, k=min(len(codes), 1 + richness)):
            kind = rng.random()
            if kind < 0.12:
                self.add_entitlement(
                    Entitlement(
                        organization_id=org.id, service_code=code, is_trial=True, license_count=25, term=Term.MONTHLY
                    )
                )  # pending trial request
            elif kind < 0.25:
                start = today - timedelta(days=rng.randint(3, 20))
                self.add_entitlement(
                    Entitlement(
                        organization_id=org.id,
                        service_code=code,
                        is_trial=True,
                        license_count=25,
                        term=Term.MONTHLY,
                        start_date=start,
                        end_date=start + timedelta(days=30),
                        licenses_assigned=rng.randint(0, 25),
                    )
                )
            elif kind < 0.35:
                start = today - timedelta(days=rng.randint(60, 200))
                self.add_entitlement(
                    Entitlement(
                        organization_id=org.id,
                        service_code=code,
                        is_trial=True,
                        license_count=25,
                        term=Term.MONTHLY,
                        start_date=start,
                        end_date=start + timedelta(days=30),
                        licenses_assigned=rng.randint(0, 25),
                    )
                )
            else:
                count = rng.choice([25, 50, 100, 250, 500, 1000, 2500])
                term = rng.choice(list(Term))
                expired = rng.random() < 0.08
                end = today + timedelta(days=rng.choice([20, 45, 80, 150, 240, 330, 600]))
                if expired:
                    end = today - timedelta(days=rng.randint(5, 90))
                ratio = rng.choice([0.35, 0.6, 0.75, 0.86, 0.93, 0.97, 1.0, 1.08, 1.2])
                # Started in the past (most of them over a year ago) so there is usage history.
                start = min(
                    end - timedelta(days=365 if term is not Term.TERMED else 730),
                    today - timedelta(days=rng.choice([45, 200, 420, 500])),
                )
                self.order_seq += 1
                db.session.add(
                    Order(
                        organization_id=org.id,
                        number=f"ORD-{200000 + self.order_seq}",
                        ordered_on=start,
                        service_code=code,
                        quantity=count,
                        term=term,
                    )
                )
                self.add_entitlement(
                    Entitlement(
                        organization_id=org.id,
                        service_code=code,
                        license_count=count,
                        term=term,
                        commit_model=CommitModel.MONTHLY_COMMIT
                        if org.tenancy is Tenancy.MULTI and code.startswith("daas")
                        else CommitModel.FIXED,
                        start_date=start,
                        end_date=end,
                        licenses_assigned=int(count * ratio),
                    )
                )
        titles = [
            (Severity.INFO, "Service update completed", "The scheduled update of your workspace finished."),
            (Severity.WARNING, "Subscription ends soon", "One of your subscriptions ends within 90 days."),
            (Severity.CRITICAL, "Connector offline", "A connector in your resource location stopped reporting."),
            (Severity.INFO, "New administrator added", "An administrator was added to your account."),
            (Severity.WARNING, "License usage above 90 %", "Assigned licenses are close to the purchased count."),
        ]
        for _ in range(rng.randint(0, 2 + richness * 2)):
            severity, title, body = rng.choice(titles)
            created = self.now - timedelta(hours=rng.randint(1, 24 * 60))
            note = Notification(organization_id=org.id, severity=severity, title=title, body=body, created_at=created)
            db.session.add(note)
            if rng.random() < 0.5:
                self.read_notifications.append(note)
        subjects = [
            "Sign-in fails for some users",
            "Slow session launch",
            "Question about billing",
            "Connector upgrade",
            "Printing from published apps",
        ]
        for _ in range(rng.randint(0, richness + 1)):
            opened = self.now - timedelta(days=rng.randint(1, 120))
            closed = rng.random() < 0.5
            db.session.add(
                SupportTicket(
                    organization_id=org.id,
                    subject=rng.choice(subjects),
                    opened_at=opened,
                    status=TicketStatus.CLOSED if closed else TicketStatus.OPEN,
                    closed_at=opened + timedelta(days=3) if closed else None,
                )
            )
