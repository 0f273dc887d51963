"""Account Settings → Activity log, and its CSV export (full-access administrators)."""

from __future__ import annotations

from datetime import date

from flask import request

from ..models import ActivityKind
from ..web import downloads, htmx
from ..web.guards import full_access_required
from ..web.tenancy import acting
from ..web.i18n import gettext
from . import bp, queries


def csv_header() -> tuple[str, ...]:
    """The export's column names, in the reader's language (the cells stay as stored)."""
    return (
        gettext("When (UTC)"),
        gettext("Kind"),
        gettext("Action"),
        gettext("Person"),
        gettext("Target"),
        gettext("Summary"),
    )


@bp.get("/activity")
@full_access_required
def activity():
    """The current organization's activity log, newest first, filtered by kind, person and date."""
    org_id = acting().org.id
    filters = queries.ActivityFilter.from_args(request.args)
    return htmx.render(
        "audit/activity.html",
        block="activity_results" if htmx.target() == "activity-results" else None,
        status=422 if filters.errors else 200,
        filters=filters,
        kinds=list(ActivityKind),
        page=queries.activity_page(org_id, filters),
        people=queries.people(org_id),
    )


@bp.get("/activity.csv")
@full_access_required
def activity_csv():
    """The filtered activity log as CSV (every matching entry, not only one page)."""
    me = acting()
    filters = queries.ActivityFilter.from_args(request.args)
    org_id = me.org.id  # a plain value: the rows are read after the request's session is gone
    return downloads.csv_download(
        f"activity-{me.org.orgid}-{date.today().isoformat()}.csv",
        csv_header(),
        lambda: queries.export_rows(org_id, filters),
    )
