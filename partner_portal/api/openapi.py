"""The OpenAPI 3.1 document of /api/v1, built in Python beside the routes it describes
(views.py); tests/web/test_api_schema.py runs Schemathesis against the served copy."""

from __future__ import annotations

from functools import lru_cache

from ..customers.queries import FLAG_FILTERS, SORTS, TRIAL_FILTERS
from ..insights import health as hs
from ..models import (
    AllocationStatus,
    DeliveryStatus,
    EntitlementState,
    ImportStatus,
    IssueType,
    MembershipStatus,
    Program,
    RequestStatus,
    Severity,
    Tenancy,
    WebhookEvent,
)
from ..notifications.queries import SHOW_CHOICES


def _nullable(schema: dict) -> dict:
    """`schema` or null."""
    return {"anyOf": [schema, {"type": "null"}]}


STRING, INTEGER, BOOLEAN = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
DATE = {"type": "string", "format": "date"}
DATETIME = {"type": "string", "format": "date-time"}


def _object(properties: dict, required: list[str] | None = None) -> dict:
    """A closed object whose listed properties are all required (unless `required` says otherwise)."""
    return {
        "type": "object",
        "properties": properties,
        "required": required if required is not None else list(properties),
        "additionalProperties": False,
    }


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _array(items: dict) -> dict:
    return {"type": "array", "items": items}


SCHEMAS = {
    "Problem": {
        "type": "object",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": STRING,
            "title": STRING,
            "status": INTEGER,
            "detail": STRING,
            "errors": {
                "type": "object",
                "additionalProperties": _array(STRING),
                "description": "Field name → messages, for input the API could not use.",
            },
        },
    },
    "Organization": _object(
        {
            "orgid": STRING,
            "name": STRING,
            "tenancy": {"enum": [t.value for t in Tenancy]},
            "programs": _array(STRING),
            "full_access": BOOLEAN,
            "permissions": _array(STRING),
        }
    ),
    "CustomerRow": _object(
        {
            "orgid": STRING,
            "name": STRING,
            "tenancy": {"enum": [t.value for t in Tenancy]},
            "connected_since": DATETIME,
            "administrator_contact": _nullable(STRING),
            # Licensing, notification and ticket figures are null when the customer does not share them
            # with this partner (sharing scopes); not_shared names what is withheld.
            "services": _nullable(
                _array(_object({"name": STRING, "state": {"enum": [s.value for s in EntitlementState]}}))
            ),
            "licenses_purchased": _nullable(INTEGER),
            "licenses_assigned": _nullable(INTEGER),
            "assigned_percent": _nullable(INTEGER),
            "health": _nullable({"enum": ["green", "amber", "red", "none"]}),
            "earliest_expiry_within_90_days": _nullable(DATE),
            "unread_notifications": _nullable(INTEGER),
            "open_support_tickets": _nullable(INTEGER),
            "health_score": {"type": "integer", "minimum": 0, "maximum": 100},
            "tags": _array(STRING),
            "not_shared": _array(STRING),
        }
    ),
    "CustomerPage": _object(
        {"customers": _array(_ref("CustomerRow")), "total": INTEGER, "next_cursor": _nullable(STRING)}
    ),
    "CustomerCount": _object({"connected": INTEGER, "limit": INTEGER}),
    "Entitlement": _object(
        {
            "id": INTEGER,
            "service": STRING,
            "unit": STRING,
            "state": {"enum": [s.value for s in EntitlementState]},
            "license_count": INTEGER,
            "licenses_assigned": INTEGER,
            "term": STRING,
            "start_date": _nullable(DATE),
            "end_date": _nullable(DATE),
            "is_trial": BOOLEAN,
            "is_bandwidth": BOOLEAN,
        }
    ),
    "Order": _object(
        {"id": INTEGER, "number": STRING, "service": STRING, "quantity": INTEGER, "term": STRING, "ordered_on": DATE}
    ),
    "Customer": _object(
        {
            "orgid": STRING,
            "name": STRING,
            "tenancy": {"enum": [t.value for t in Tenancy]},
            "country": _nullable(STRING),
            "administrator_contact": _nullable(STRING),
            "connection": _object({"id": INTEGER, "method": STRING, "connected_since": DATETIME}),
            "licensing_shared": BOOLEAN,
            "entitlements": _array(_ref("Entitlement")),
            "orders": _array(_ref("Order")),
        }
    ),
    "ServiceSummary": _object(
        {
            "service": STRING,
            "unit": STRING,
            "purchased": INTEGER,
            "assigned": INTEGER,
            "assigned_percent": STRING,
            "health": STRING,
            "remaining": INTEGER,
            "overage": INTEGER,
            "monthly_active_users": INTEGER,
            "daily_active_users": INTEGER,
            "expires_on": _nullable(DATE),
            "expiring_within_90_days": BOOLEAN,
            "entitlement_ids": _array(INTEGER),
        }
    ),
    "BandwidthStanding": _object(
        {
            "plan": STRING,
            "label": STRING,
            "entitlements": INTEGER,
            "cloud_mb": INTEGER,
            "on_premises_mb": INTEGER,
            "used_mb": INTEGER,
            "allotment_mb": INTEGER,
            "overage_mb": INTEGER,
            "month_overage_mb": INTEGER,
        }
    ),
    "Licensing": _object(
        {
            "services": _array(_ref("ServiceSummary")),
            "entitlements": _array(_ref("Entitlement")),
            "bandwidth": _nullable(
                _object({"plans": _array(_ref("BandwidthStanding")), "total": _ref("BandwidthStanding")})
            ),
        }
    ),
    "Usage": _object(
        {
            "entitlement_id": INTEGER,
            "service": STRING,
            "kind": {"enum": ["licenses", "bandwidth"]},
            "days": _array(
                {
                    "type": "object",
                    "required": ["day"],
                    "properties": {
                        "day": DATE,
                        "assigned": INTEGER,
                        "newly_assigned": INTEGER,
                        "daily_active": INTEGER,
                        "monthly_active": INTEGER,
                        "peak_concurrent": _nullable(INTEGER),
                        "source": STRING,
                        "site": _nullable(STRING),
                        "megabytes": INTEGER,
                    },
                }
            ),
        }
    ),
    "Notification": _object(
        {
            "id": INTEGER,
            "severity": {"enum": [s.value for s in Severity]},
            "title": STRING,
            "body": STRING,
            "source": STRING,
            "created_at": DATETIME,
            "unread": BOOLEAN,
            "customer_orgid": _nullable(STRING),
            "customer_name": _nullable(STRING),
            "link": _nullable(STRING),
        }
    ),
    "NotificationPage": _object(
        {"notifications": _array(_ref("Notification")), "total": INTEGER, "page": INTEGER, "has_next": BOOLEAN}
    ),
    "TicketCounts": _object({"open_total": INTEGER, "customers": _array(_object({"orgid": STRING, "open": INTEGER}))}),
    "PartnerConnection": _object(
        {
            "id": INTEGER,
            "partner_orgid": STRING,
            "partner_name": STRING,
            "programs": _array(STRING),
            "method": STRING,
            "connected_since": DATETIME,
        }
    ),
    "Connections": _object({"connections": _array(_ref("PartnerConnection"))}),
    "InvitationLink": _object({"link": _nullable(STRING)}),
    "Allocation": _object(
        {
            "id": INTEGER,
            "account_orgid": STRING,
            "account_name": STRING,
            "product": STRING,
            "quantity": INTEGER,
            "status": {"enum": [s.value for s in AllocationStatus]},
            "requested_at": DATETIME,
            "finished_at": _nullable(DATETIME),
            "failure_reason": _nullable(STRING),
        }
    ),
    "Allocations": _object({"allocations": _array(_ref("Allocation"))}),
    "NewAllocation": {
        "type": "object",
        "required": ["account", "product", "quantity"],
        "properties": {
            "account": {"type": "string", "description": "ORGID of the partner's primary cloud account."},
            "product": {
                "type": "string",
                "description": "Service code of a product of the partner's multi-tenant orders.",
            },
            "quantity": {"type": "integer", "minimum": 1},
        },
    },
    "SupportRequest": _object(
        {
            "id": INTEGER,
            "issue_type": {"enum": [t.value for t in IssueType]},
            "status": {"enum": [s.value for s in RequestStatus]},
            "subject": STRING,
            "submitted_at": DATETIME,
            "answer_due": DATE,
            "customer_orgid": _nullable(STRING),
        }
    ),
    "SupportRequests": _object({"support_requests": _array(_ref("SupportRequest"))}),
    "Webhook": _object(
        {
            "id": INTEGER,
            "url": STRING,
            "events": _array({"enum": [e.value for e in WebhookEvent]}),
            "created_at": DATETIME,
        }
    ),
    "Webhooks": _object({"webhooks": _array(_ref("Webhook"))}),
    "NewWebhook": {
        "type": "object",
        "required": ["url", "events"],
        "properties": {
            "url": {"type": "string", "description": "An https URL on a public address."},
            "events": {"type": "array", "minItems": 1, "items": {"enum": [e.value for e in WebhookEvent]}},
        },
    },
    "RegisteredWebhook": _object(
        {
            "id": INTEGER,
            "url": STRING,
            "events": _array({"enum": [e.value for e in WebhookEvent]}),
            "created_at": DATETIME,
            "secret": {"type": "string", "description": "The signing secret, shown only in this answer."},
        }
    ),
    "Delivery": _object(
        {
            "id": INTEGER,
            "endpoint_id": INTEGER,
            "event": STRING,
            "event_id": STRING,
            "status": {"enum": [s.value for s in DeliveryStatus]},
            "attempts": INTEGER,
            "response_status": _nullable(INTEGER),
            "error": _nullable(STRING),
            "created_at": DATETIME,
            "delivered_at": _nullable(DATETIME),
        }
    ),
    "Deliveries": _object({"deliveries": _array(_ref("Delivery"))}),
    "NewSupportRequest": {
        "type": "object",
        "required": ["issue_type"],
        "properties": {
            "issue_type": {"enum": [t.value for t in IssueType]},
            "company": STRING,
            "contact_name": STRING,
            "contact_email": STRING,
            "country": STRING,
            "customer": STRING,
            "product": STRING,
            "quantity": {"type": "integer", "minimum": 1},
            "details": STRING,
        },
    },
    "UsageImport": _object(
        {
            "id": INTEGER,
            "status": {"enum": [s.value for s in ImportStatus]},
            "filename": STRING,
            "size_bytes": INTEGER,
            "partial": BOOLEAN,
            "rows_read": INTEGER,
            "rows_imported": INTEGER,
            "rows_rejected": INTEGER,
            "summary": _nullable(STRING),
            "rejected": _array(STRING),
        }
    ),
    "MembershipChange": {
        "type": "object",
        "required": ["status"],
        "properties": {"status": {"enum": [s.value for s in MembershipStatus]}},
    },
    "Membership": _object(
        {
            "orgid": STRING,
            "program": {"enum": [p.value for p in Program]},
            "status": {"enum": [s.value for s in MembershipStatus]},
        }
    ),
}


def _problem(description: str) -> dict:
    return {"description": description, "content": {"application/problem+json": {"schema": _ref("Problem")}}}


def _ok(schema: str, description: str = "OK", status: str = "200") -> dict:
    return {status: {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}}


ERRORS = {
    "400": _problem("A malformed request (for example, control characters in a parameter)."),
    "401": _problem("No token, or one that is unknown, expired or revoked."),
    "403": _problem("The token's organization or permissions don't allow this."),
    "429": _problem("Too many requests with this token."),
}
NOT_FOUND = {"404": _problem("Not one of this organization's (another organization's id is a 404 too).")}
INVALID = {"422": _problem("Input the API could not use; `errors` names the fields.")}
NO_CONTENT = {"204": {"description": "Done."}}


def _query(name: str, description: str, schema: dict) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


def _path(name: str, schema: dict) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": schema}


ORGID = _path("orgid", {"type": "string", "pattern": "^[0-9]{1,12}$"})
ID = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}


def _operation(
    operation_id: str,
    summary: str,
    tag: str,
    responses: dict,
    parameters=(),
    body: str | None = None,
    description: str = "",
) -> dict:
    operation = {"operationId": operation_id, "summary": summary, "tags": [tag], "responses": {**responses, **ERRORS}}
    if description:
        operation["description"] = description
    if parameters:
        operation["parameters"] = list(parameters)
    if body:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": _ref(body)}}}
    return operation


def _paths() -> dict:
    customer_filters = [
        _query("q", "Search in names and ORGIDs.", {"type": "string", "maxLength": 100}),
        _query("tenancy", "Tenancy.", {"enum": [t.value for t in Tenancy]}),
        _query("trial", "Trial state.", {"enum": list(TRIAL_FILTERS)}),
        _query("flag", "Over-licensed, or expiring within 90 days.", {"enum": list(FLAG_FILTERS)}),
        _query("score", "Health score band.", {"enum": list(hs.BANDS)}),
        _query("tag", "A tag of this partner's.", {"type": "string", "maxLength": 40}),
        _query("sort", "Sort column.", {"enum": sorted(SORTS)}),
        _query("dir", "Sort direction.", {"enum": ["asc", "desc"]}),
        _query("limit", "Page size.", {"type": "integer", "minimum": 1, "maximum": 100}),
        _query("cursor", "next_cursor of the page before.", {"type": "string", "maxLength": 40}),
    ]
    return {
        "/organization": {
            "get": _operation(
                "getOrganization", "The token's organization and permissions", "Organization", _ok("Organization")
            )
        },
        "/customers": {
            "get": _operation(
                "listCustomers",
                "Connected customers (the Customer Dashboard)",
                "Customers",
                {**_ok("CustomerPage"), **INVALID},
                customer_filters,
                description="Needs Customer Dashboard (View Only). Cursor pagination: pass next_cursor back as cursor.",
            )
        },
        "/customers/count": {
            "get": _operation(
                "countCustomers", "How many customers are connected, and the limit", "Customers", _ok("CustomerCount")
            )
        },
        "/customers/{orgid}": {
            "get": _operation(
                "getCustomer",
                "One customer's details, entitlements and orders",
                "Customers",
                {**_ok("Customer"), **NOT_FOUND},
                [ORGID],
            )
        },
        "/customers/{orgid}/connection": {
            "delete": _operation(
                "removeCustomer",
                "End the connection with a customer",
                "Customers",
                {**NO_CONTENT, **NOT_FOUND},
                [ORGID],
                description="Needs a full-access token of a partner organization.",
            )
        },
        "/customers/{orgid}/licensing": {
            "get": _operation(
                "getLicensing",
                "Licensing summary and bandwidth of a customer",
                "Licensing",
                {**_ok("Licensing"), **NOT_FOUND},
                [ORGID],
                description="403 when the customer does not share its licensing and usage with this partner.",
            )
        },
        "/customers/{orgid}/entitlements/{entitlement_id}/usage": {
            "get": _operation(
                "getEntitlementUsage",
                "Daily usage of one entitlement",
                "Licensing",
                {**_ok("Usage"), **NOT_FOUND},
                [ORGID, _path("entitlement_id", ID)],
            )
        },
        "/notifications": {
            "get": _operation(
                "listNotifications",
                "Connected customers' notifications",
                "Notifications",
                {**_ok("NotificationPage"), **INVALID},
                [
                    _query("customer", "ORGID of a connected customer.", {"type": "string", "maxLength": 12}),
                    _query("severity", "Severity.", {"enum": [s.value for s in Severity]}),
                    _query("show", "Which notifications.", {"enum": [c for c in SHOW_CHOICES if c]}),
                    _query("page", "Page (50 a page).", {"type": "integer", "minimum": 1, "maximum": 99999}),
                ],
            )
        },
        "/notifications/{notification_id}/dismiss": {
            "post": _operation(
                "dismissNotification",
                "Dismiss a notification for the token's administrator",
                "Notifications",
                {**NO_CONTENT, **NOT_FOUND},
                [_path("notification_id", ID)],
            )
        },
        "/support-tickets/counts": {
            "get": _operation(
                "countSupportTickets", "Open support tickets per customer", "Customers", _ok("TicketCounts")
            )
        },
        "/connections": {
            "get": _operation("listConnections", "This organization's partners", "Connections", _ok("Connections"))
        },
        "/connections/{connection_id}": {
            "delete": _operation(
                "removePartner",
                "End a partner's connection to this organization",
                "Connections",
                {**NO_CONTENT, **NOT_FOUND},
                [_path("connection_id", ID)],
            )
        },
        "/invitation-link": {
            "get": _operation(
                "getInvitationLink", "The partner's invitation link", "Connections", _ok("InvitationLink")
            ),
            "post": _operation(
                "createInvitationLink",
                "Create the invitation link if there is none",
                "Connections",
                _ok("InvitationLink"),
            ),
        },
        "/allocations": {
            "get": _operation("listAllocations", "License allocations", "Manage Licenses", _ok("Allocations")),
            "post": _operation(
                "allocate",
                "Allocate licenses to the primary cloud account",
                "Manage Licenses",
                {
                    **_ok("Allocation", "Allocated (processing).", "201"),
                    **NOT_FOUND,
                    **INVALID,
                    "415": _problem("The body is not JSON."),
                },
                body="NewAllocation",
            ),
        },
        "/webhooks": {
            "get": _operation("listWebhooks", "Webhook endpoints", "Webhooks", _ok("Webhooks")),
            "post": _operation(
                "registerWebhook",
                "Register a webhook endpoint",
                "Webhooks",
                {
                    **_ok("RegisteredWebhook", "Registered; the secret is in this answer only.", "201"),
                    **INVALID,
                    "415": _problem("The body is not JSON."),
                },
                body="NewWebhook",
                description="Needs a full-access token. Deliveries are signed: see docs/api.md.",
            ),
        },
        "/webhooks/{endpoint_id}": {
            "delete": _operation(
                "removeWebhook",
                "Remove a webhook endpoint",
                "Webhooks",
                {**NO_CONTENT, **NOT_FOUND},
                [_path("endpoint_id", ID)],
            )
        },
        "/webhooks/deliveries": {
            "get": _operation("listDeliveries", "Latest webhook deliveries", "Webhooks", _ok("Deliveries"))
        },
        "/webhooks/deliveries/{delivery_id}/resend": {
            "post": _operation(
                "resendDelivery",
                "Send a delivery again",
                "Webhooks",
                {"202": {"description": "Queued."}, **NOT_FOUND},
                [_path("delivery_id", ID)],
            )
        },
        "/operator/usage-imports": {
            "post": {
                **_operation(
                    "importUsage",
                    "Import a usage CSV (operators)",
                    "Operators",
                    {
                        **_ok("UsageImport", "Queued; poll the import.", "202"),
                        "413": _problem("Larger than USAGE_UPLOAD_MAX_BYTES."),
                        "415": _problem("The body is not text/csv."),
                    },
                    [
                        _query(
                            "partial",
                            "true: import the good rows, report the others (else all or nothing).",
                            {"enum": ["true", "false"]},
                        ),
                        _query("filename", "The file's name for the report.", {"type": "string", "maxLength": 255}),
                    ],
                    description="An operator's token. The same checks and all-or-nothing judgement as the "
                    "console's upload (docs/usage-import.md).",
                ),
                "requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}},
            }
        },
        "/operator/usage-imports/{import_id}": {
            "get": _operation(
                "getUsageImport",
                "One usage import and its report (operators)",
                "Operators",
                {**_ok("UsageImport"), **NOT_FOUND},
                [_path("import_id", ID)],
            )
        },
        "/operator/organizations/{orgid}/memberships/{program}": {
            "put": _operation(
                "setMembership",
                "Grant or lapse a partner-program membership (operators)",
                "Operators",
                {**_ok("Membership"), **NOT_FOUND, **INVALID, "415": _problem("The body is not JSON.")},
                [ORGID, _path("program", {"enum": [p.value for p in Program]})],
                body="MembershipChange",
            )
        },
        "/support-requests": {
            "get": _operation(
                "listSupportRequests", "Requests to customer service", "Partner Support Center", _ok("SupportRequests")
            ),
            "post": _operation(
                "submitSupportRequest",
                "Send a request to customer service",
                "Partner Support Center",
                {
                    **_ok("SupportRequest", "Sent.", "201"),
                    **NOT_FOUND,
                    **INVALID,
                    "415": _problem("The body is not JSON."),
                },
                body="NewSupportRequest",
                description="The fields depend on issue_type, as on the page: "
                "orgid-creation (company, contact_name, contact_email, country), "
                "license-allocation (customer ORGID, product, quantity), "
                "general (details).",
            ),
        },
    }


@lru_cache(maxsize=1)
def _cached() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Partner Portal API",
            "version": "1.0.0",
            "description": "The data and actions of Partner Portal's pages, under the same rules. "
            "Authenticate with an API token from Account Settings → API tokens, sent as "
            "`Authorization: Bearer <token>`. Errors are application/problem+json.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerToken": []}],
        "paths": _paths(),
        "components": {"schemas": SCHEMAS, "securitySchemes": {"bearerToken": {"type": "http", "scheme": "bearer"}}},
    }


def document() -> dict:
    """The OpenAPI document (built once per process)."""
    return _cached()
