"""Account Settings → Webhooks: register endpoints (the secret is shown once), remove them, follow
and re-send deliveries. Full-access administrators only."""

from __future__ import annotations

from flask import abort, flash, url_for

from ..models import WebhookEndpoint
from ..web import htmx
from ..web.guards import full_access_required
from ..web.i18n import gettext
from ..web.tenancy import acting, scoped_or_404
from . import bp, queries
from .forms import EndpointForm
from .services import WebhookError, register_endpoint, remove_endpoint, resend


def _page(form: EndpointForm, status: int = 200, secret: str | None = None):
    """The Webhooks page: endpoints, the form, the latest deliveries."""
    org_id = acting().org.id
    return htmx.render(
        "webhooks/index.html",
        status=status,
        form=form,
        secret=secret,
        endpoints=queries.endpoints(org_id),
        deliveries=queries.recent_deliveries(org_id),
    )


@bp.get("")
@full_access_required
def index():
    """Endpoints, deliveries and the register form."""
    return _page(EndpointForm())


@bp.post("")
@full_access_required
def register():
    """Register an endpoint; the page shows its signing secret this once."""
    form = EndpointForm()
    if form.validate_on_submit():
        try:
            _endpoint, secret = register_endpoint(acting().org.id, form.url.data, form.events.data or [], acting().user)
        except WebhookError as error:
            getattr(form, error.field or "url").errors.append(str(error))
        else:
            return _page(EndpointForm(formdata=None), secret=secret)
    return _page(form, status=422)


@bp.post("/<int:endpoint_id>/remove")
@full_access_required
def remove(endpoint_id: int):
    """Remove an endpoint (its deliveries go with it)."""
    remove_endpoint(scoped_or_404(WebhookEndpoint, endpoint_id))
    flash(gettext("The webhook endpoint was removed."), "success")
    return htmx.redirect(url_for("webhooks.index"))


@bp.post("/deliveries/<int:delivery_id>/resend")
@full_access_required
def resend_delivery(delivery_id: int):
    """Send a delivery again (same event id and body, signed anew)."""
    delivery = queries.delivery_of(acting().org.id, delivery_id)
    if delivery is None:
        abort(404)
    resend(delivery)
    flash(gettext("The delivery was sent again."), "success")
    return htmx.redirect(url_for("webhooks.index"))
