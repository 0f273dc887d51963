"""Model and query objects as the API's JSON (the shapes openapi.py documents)."""

from __future__ import annotations

from datetime import date, datetime

from ..connections import sharing
from ..web.i18n import force_locale


def iso(value: date | datetime | None) -> str | None:
    """ISO 8601, or None."""
    return value.isoformat() if value is not None else None


def organization(org, programs, role) -> dict:
    """The token's organization and what the token may do there."""
    return {
        "orgid": org.orgid,
        "name": org.name,
        "tenancy": org.tenancy.value,
        "programs": sorted(p.value for p in programs),
        "full_access": role.is_full,
        "permissions": sorted(role.permissions),
    }


def customer_row(row) -> dict:
    """One Customer Dashboard row."""
    licensing = {
        "services": [{"name": s.name, "state": s.state.value} for s in row.services],
        "licenses_purchased": row.purchased,
        "licenses_assigned": row.assigned,
        "assigned_percent": row.percent_whole,
        "health": row.health,
        "earliest_expiry_within_90_days": iso(row.expiring_on),
    }
    if not row.shares[sharing.LICENSING]:  # not shared by the customer: null, named in not_shared
        licensing = dict.fromkeys(licensing)
    return {
        "orgid": row.orgid,
        "name": row.name,
        "tenancy": row.tenancy.value,
        "connected_since": iso(row.connected_since),
        "administrator_contact": row.contact,
        **licensing,
        "unread_notifications": row.unread if row.shares[sharing.NOTIFICATIONS] else None,
        "open_support_tickets": row.open_tickets if row.shares[sharing.TICKETS] else None,
        "health_score": row.score.score,
        "tags": list(row.tags),
        "not_shared": _in_english(row.withheld),
    }


def entitlement_line(line) -> dict:
    """One entitlement as partners see it."""
    return {
        "id": line.id,
        "service": line.service,
        "unit": line.unit,
        "state": line.state.value,
        "license_count": line.license_count,
        "licenses_assigned": line.assigned,
        "term": line.term,
        "start_date": iso(line.start_date),
        "end_date": iso(line.end_date),
        "is_trial": line.is_trial,
        "is_bandwidth": line.is_bandwidth,
    }


def order(order_row, service_name: str) -> dict:
    """One order of a customer."""
    return {
        "id": order_row.id,
        "number": order_row.number,
        "service": service_name,
        "quantity": order_row.quantity,
        "term": order_row.term.value,
        "ordered_on": iso(order_row.ordered_on),
    }


def service_summary(row) -> dict:
    """One service of the licensing Usage summary, with the page's figures."""
    s = row.summary
    return {
        "service": row.name,
        "unit": row.unit,
        "purchased": s.purchased,
        "assigned": s.assigned,
        "assigned_percent": s.percent_label,
        "health": s.color,
        "remaining": s.remaining,
        "overage": s.overage,
        "monthly_active_users": s.monthly_active,
        "daily_active_users": s.daily_active,
        "expires_on": iso(s.expires_on),
        "expiring_within_90_days": s.expiring_soon,
        "entitlement_ids": list(s.entitlement_ids),
    }


def standing(item) -> dict:
    """Bandwidth of a plan (or the total) in its current billing period, in megabytes."""
    return {
        "plan": item.plan,
        "label": item.label,
        "entitlements": item.entitlements,
        "cloud_mb": item.cloud_mb,
        "on_premises_mb": item.on_premises_mb,
        "used_mb": item.used_mb,
        "allotment_mb": item.allotment_mb,
        "overage_mb": item.overage_mb,
        "month_overage_mb": item.month_overage_mb,
    }


def notification(row) -> dict:
    """One notification as the partner's center lists it to this administrator."""
    return {
        "id": row.id,
        "severity": row.severity.value,
        "title": row.title,
        "body": row.body,
        "source": row.source.value,
        "created_at": iso(row.created_at),
        "unread": row.unread,
        "customer_orgid": row.customer_orgid,
        "customer_name": row.customer_name,
        "link": row.link,
    }


def partner_connection(link, partner, programs) -> dict:
    """One active connection of this organization as a customer."""
    return {
        "id": link.id,
        "partner_orgid": partner.orgid,
        "partner_name": partner.name,
        "programs": [p.value for p in programs],
        "method": link.method.value,
        "connected_since": iso(link.created_at),
    }


def allocation(line) -> dict:
    """One allocation of the partner's list."""
    a = line.allocation
    return {
        "id": a.id,
        "account_orgid": line.account_orgid,
        "account_name": line.account,
        "product": line.product,
        "quantity": a.quantity,
        "status": a.status.value,
        "requested_at": iso(a.requested_at),
        "finished_at": iso(a.finished_at),
        "failure_reason": a.failure_reason or None,
    }


def support_request(line) -> dict:
    """One support request of the partner's list."""
    r = line.request
    return {
        "id": r.id,
        "issue_type": r.issue_type.value,
        "status": r.status.value,
        "subject": line.subject,
        "submitted_at": iso(r.submitted_at),
        "answer_due": iso(line.answer_due),
        "customer_orgid": line.customer_orgid,
    }


def endpoint(item) -> dict:
    """One webhook endpoint (never its secret)."""
    return {"id": item.id, "url": item.url, "events": sorted(item.events), "created_at": iso(item.created_at)}


def delivery(item) -> dict:
    """One webhook delivery and how it went."""
    return {
        "id": item.id,
        "endpoint_id": item.endpoint_id,
        "event": item.event,
        "event_id": item.event_id,
        "status": item.status.value,
        "attempts": item.attempts,
        "response_status": item.response_status,
        "error": item.error or None,
        "created_at": iso(item.created_at),
        "delivered_at": iso(item.delivered_at),
    }


def _in_english(labels) -> list[str]:
    """Labels as the API names them: always English, whatever the client's Accept-Language (the
    API speaks to scripts; docs/i18n.md)."""
    with force_locale("en"):
        return [str(label) for label in labels]
