"""Reads for the support ticket pages."""

from __future__ import annotations

from sqlalchemy import case, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import SupportTicket, TicketStatus, User


def tickets(org_id: int) -> list[SupportTicket]:
    """The organization's tickets, open ones first, newest first (one query)."""
    return list(
        db.session.scalars(
            select(SupportTicket)
            .where(SupportTicket.organization_id == org_id)
            .order_by(
                case((SupportTicket.status == TicketStatus.OPEN, 0), else_=1),
                SupportTicket.opened_at.desc(),
                SupportTicket.id.desc(),
            )
        )
    )


def ticket_people(ticket_id: int) -> tuple[str | None, str | None]:
    """Emails of who opened and who closed the ticket (None when unknown)."""
    opener, closer = aliased(User), aliased(User)
    row = db.session.execute(
        select(opener.email, closer.email)
        .select_from(SupportTicket)
        .outerjoin(opener, opener.id == SupportTicket.opened_by_id)
        .outerjoin(closer, closer.id == SupportTicket.closed_by_id)
        .where(SupportTicket.id == ticket_id)
    ).one()
    return row[0], row[1]
