"""All models, importable from one place (Alembic and the app import this package)."""

from .activity import ActivityEntry, ActivityKind
from .api_token import ApiToken
from .allocation import Allocation, AllocationStatus
from .connection import Connection, ConnectionMethod, Side
from .entitlement import CommitModel, Entitlement, EntitlementState, Order, Service, Term
from .notification import (
    Notification,
    NotificationSource,
    NotificationState,
    NotificationSubscription,
    NotificationTriage,
    Severity,
    SupportTicket,
    TicketSeverity,
    TicketStatus,
)
from .insights import CalendarFeed, CustomerTag
from .organization import MembershipStatus, Organization, Program, ProgramMembership, Tenancy
from .outgoing_mail import OutgoingMail
from .service_provider import (
    DirectoryUser,
    IdentityDomain,
    PublishedResource,
    ResourceKind,
    ResourceLocation,
    Workspace,
    WorkspaceDomain,
    WorkspaceTheme,
)
from .support import IssueType, RequestStatus, SupportRequest
from .two_factor import RecoveryCode
from .types import utcnow
from .usage import BandwidthDay, BandwidthSource, LicenseAssignment, UsageDay
from .usage_import import ImportStatus, UsageImport
from .user import Access, Administrator, AdministratorInvitation, Permission, User
from .user_session import UserSession
from .webhook import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent

__all__ = [
    "Access",
    "ActivityEntry",
    "ActivityKind",
    "Administrator",
    "AdministratorInvitation",
    "Allocation",
    "AllocationStatus",
    "ApiToken",
    "BandwidthDay",
    "BandwidthSource",
    "CalendarFeed",
    "CommitModel",
    "Connection",
    "ConnectionMethod",
    "CustomerTag",
    "DeliveryStatus",
    "DirectoryUser",
    "Entitlement",
    "EntitlementState",
    "IdentityDomain",
    "ImportStatus",
    "IssueType",
    "LicenseAssignment",
    "MembershipStatus",
    "Notification",
    "NotificationDismissal",
    "NotificationSource",
    "NotificationState",
    "NotificationSubscription",
    "NotificationTriage",
    "Order",
    "Organization",
    "OutgoingMail",
    "Permission",
    "Program",
    "ProgramMembership",
    "PublishedResource",
    "RecoveryCode",
    "RequestStatus",
    "ResourceKind",
    "ResourceLocation",
    "Service",
    "Severity",
    "Side",
    "SupportRequest",
    "SupportTicket",
    "Tenancy",
    "Term",
    "TicketSeverity",
    "TicketStatus",
    "UsageDay",
    "UsageImport",
    "User",
    "UserSession",
    "utcnow",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
    "Workspace",
    "WorkspaceDomain",
    "WorkspaceTheme",
]
