"""All models, importable from one place (Alembic and the app import this package)."""
from .connection import Connection, ConnectionMethod, Side
from .entitlement import CommitModel, Entitlement, EntitlementState, Order, Service, Term
from .notification import Notification, NotificationDismissal, Severity, SupportTicket, TicketStatus
from .organization import MembershipStatus, Organization, Program, ProgramMembership, Tenancy
from .outgoing_mail import OutgoingMail
from .two_factor import RecoveryCode
from .types import utcnow
from .usage import LicenseAssignment, UsageDay
from .user import Access, Administrator, AdministratorInvitation, Permission, User
from .user_session import UserSession

__all__ = [
    "Access", "Administrator", "AdministratorInvitation", "CommitModel", "Connection", "ConnectionMethod", "Entitlement",
    "EntitlementState", "LicenseAssignment", "MembershipStatus", "Notification",
    "NotificationDismissal", "Order", "Organization", "OutgoingMail", "Permission", "Program", "ProgramMembership",
    "RecoveryCode", "Service", "Severity", "Side", "SupportTicket", "Tenancy", "Term", "TicketStatus", "UsageDay",
    "User", "UserSession", "utcnow",
]
