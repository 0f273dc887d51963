"""Support tickets of the current organization: list, open, read, close (Support Tickets
permission, the organization's own administrators only)."""

from __future__ import annotations

from flask import flash, url_for
from flask_login import current_user

from ..models import SupportTicket, TicketSeverity
from ..web import htmx
from ..web.guards import support_tickets_required
from ..web.i18n import gettext
from ..web.tenancy import acting, scoped_or_404
from . import bp, queries, services
from .forms import TicketForm


@bp.get("")
@support_tickets_required
def index():
    """Support Tickets: the organization's tickets, open ones first."""
    return htmx.render("tickets/index.html", tickets=queries.tickets(acting().org.id))


@bp.route("/new", methods=["GET", "POST"])
@support_tickets_required
def new():
    """Open a ticket: subject, description, severity."""
    form = TicketForm()
    if form.validate_on_submit():
        ticket = services.open_ticket(
            acting().org.id, current_user, form.subject.data, form.description.data, TicketSeverity(form.severity.data)
        )
        flash(gettext("Ticket #%(id)s is open.", id=ticket.id), "success")
        return htmx.redirect(url_for("tickets.show", ticket_id=ticket.id))
    return htmx.render("tickets/new.html", block="ticket_form", status=422 if form.errors else 200, form=form)


@bp.get("/<int:ticket_id>")
@support_tickets_required
def show(ticket_id: int):
    """One ticket with who opened and closed it."""
    ticket = scoped_or_404(SupportTicket, ticket_id)
    opened_by, closed_by = queries.ticket_people(ticket.id)
    return htmx.render("tickets/show.html", ticket=ticket, opened_by=opened_by, closed_by=closed_by)


@bp.post("/<int:ticket_id>/close")
@support_tickets_required
def close(ticket_id: int):
    """Close a ticket (it no longer counts as open for the organization's partners)."""
    ticket = scoped_or_404(SupportTicket, ticket_id)
    services.close_ticket(ticket, current_user)
    flash(gettext("Ticket #%(id)s is closed.", id=ticket_id), "success")
    return htmx.redirect(url_for("tickets.show", ticket_id=ticket_id))
