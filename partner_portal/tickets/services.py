"""Opening and closing support tickets."""

from __future__ import annotations

from sqlalchemy import update

from ..extensions import db
from ..models import SupportTicket, TicketSeverity, TicketStatus, User, utcnow


def open_ticket(org_id: int, by: User, subject: str, description: str, severity: TicketSeverity) -> SupportTicket:
    """Open a support ticket for the organization (the form has checked the fields)."""
    ticket = SupportTicket(
        organization_id=org_id,
        subject=subject.strip(),
        description=description.strip(),
        severity=severity,
        opened_by_id=by.id,
    )
    db.session.add(ticket)
    db.session.commit()
    return ticket


def close_ticket(ticket: SupportTicket, by: User) -> None:
    """Close an open ticket; closing a closed one changes nothing (two tabs, a double click)."""
    db.session.execute(
        update(SupportTicket)
        .where(SupportTicket.id == ticket.id, SupportTicket.status == TicketStatus.OPEN)
        .values(status=TicketStatus.CLOSED, closed_at=utcnow(), closed_by_id=by.id)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
