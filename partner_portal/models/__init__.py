"""All models, importable from one place (Alembic and the app import this package)."""
from .activity import ActivityEntry, ActivityKind
from .allocation import Allocation, AllocationStatus
from .connection import Connection, ConnectionMethod, Side
from .entitlement import CommitModel, Entitlement, EntitlementState, Order, Service, Term
from .notification import Notification, NotificationDismissal, Severity, SupportTicket, TicketStatus
from .organization import MembershipStatus, Organization, Program, ProgramMembership, Tenancy
from .outgoing_mail import OutgoingMail
from .service_provider import (
    DirectoryUser, IdentityDomain, PublishedResource, ResourceKind, ResourceLocation, Workspace, WorkspaceDomain,
    WorkspaceTheme,
)
from .support import IssueType, RequestStatus, SupportRequest
from .types import utcnow
from .usage import BandwidthDay, BandwidthSource, LicenseAssignment, UsageDay
from .usage_import import ImportStatus, UsageImport
from .user import Access, Administrator, AdministratorInvitation, Permission, User
from .user_session import UserSession

__all__ = [
    "ActivityEntry", "ActivityKind", "Allocation", "AllocationStatus", "ImportStatus", "IssueType", "RequestStatus",
    "SupportRequest", "UsageImport",
    "Access", "Administrator", "AdministratorInvitation", "BandwidthDay", "BandwidthSource", "CommitModel", "Connection", "ConnectionMethod", "Entitlement",
    "EntitlementState", "LicenseAssignment", "MembershipStatus", "Notification",
    "NotificationDismissal", "Order", "Organization", "OutgoingMail", "Permission", "Program", "ProgramMembership",
    "Service", "Severity", "Side", "SupportTicket", "Tenancy", "Term", "TicketStatus", "UsageDay",
    "User", "UserSession", "utcnow",
    "DirectoryUser", "IdentityDomain", "PublishedResource", "ResourceKind", "ResourceLocation", "Workspace",
    "WorkspaceDomain", "WorkspaceTheme",
]
