"""All models, importable from one place (Alembic and the app import this package)."""
from .connection import Connection, ConnectionMethod, Side
from .entitlement import CommitModel, Entitlement, EntitlementState, Order, Service, Term
from .notification import (
    Notification, NotificationSource, NotificationState, NotificationSubscription, NotificationTriage, Severity,
    SupportTicket, TicketSeverity, TicketStatus,
)
from .organization import MembershipStatus, Organization, Program, ProgramMembership, Tenancy
from .outgoing_mail import OutgoingMail
from .types import utcnow
from .usage import LicenseAssignment, UsageDay
from .user import Access, Administrator, AdministratorInvitation, Permission, User
from .user_session import UserSession

__all__ = [
    "Access", "Administrator", "AdministratorInvitation", "CommitModel", "Connection", "ConnectionMethod", "Entitlement",
    "EntitlementState", "LicenseAssignment", "MembershipStatus", "Notification",
    "NotificationSource", "NotificationState", "NotificationSubscription", "NotificationTriage", "Order", "Organization", "OutgoingMail", "Permission", "Program", "ProgramMembership",
    "Service", "Severity", "Side", "SupportTicket", "Tenancy", "Term", "TicketSeverity", "TicketStatus", "UsageDay",
    "User", "UserSession", "utcnow",
]
