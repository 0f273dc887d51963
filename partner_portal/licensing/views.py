"""Licensing pages: the Usage summary with the Gateway service summary, View Usage Trend (license
charts, or bandwidth for a Gateway entitlement, with its per-site split), View Overage Chart
and CSV exports, for a partner looking at a connected customer and for a customer's own
administrators."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Response, abort, request, url_for

from ..connections import sharing
from ..models import Organization, Permission
from ..web import downloads, htmx
from ..web.guards import dashboard_required, permission_required
from ..web.tenancy import acting, connected_customer_or_404, connected_entitlement_or_404, entitlement_or_404
from ..insights import forecast
from ..insights import queries as insight_queries
from ..insights.charts import forecast_chart
from . import bp, charts, queries
from ..web.i18n import format_number, gettext
from ..web.kept_responses import keep_response
from .bandwidth import gb_number

licensing_access = permission_required(Permission.LICENSING)


@dataclass(frozen=True)
class Subject:
    """Whose licensing is shown, and how its pages link to each other."""

    org: Organization
    partner_view: bool
    # The entitlement a page is about, with its service, when it was loaded with the organization.
    entitlement: tuple | None = None

    def _url(self, endpoint: str, **values) -> str:
        if self.partner_view:
            return url_for(f"licensing.partner_{endpoint}", orgid=self.org.orgid, **values)
        return url_for(f"licensing.own_{endpoint}", **values)

    @property
    def summary_url(self) -> str:
        """The Usage tab."""
        return self._url("summary")

    def trend_url(self, entitlement_id: int, period: int | None = None) -> str:
        """View Usage Trend of one entitlement (of a Gateway entitlement: one billing period)."""
        return self._url("trend", entitlement_id=entitlement_id, period=period)

    def sites_url(self, entitlement_id: int, period: int | None = None) -> str:
        """A Gateway entitlement's on-premises usage per site."""
        return self._url("sites", entitlement_id=entitlement_id, period=period)

    @property
    def overage_url(self) -> str:
        """View Overage Chart (Gateway, past 12 months)."""
        return self._url("gateway_overage")

    @property
    def overage_csv_url(self) -> str:
        """Export of the overage chart."""
        return self._url("gateway_overage_csv")

    @property
    def gateway_csv_url(self) -> str:
        """Export of the Gateway service summary."""
        return self._url("gateway_csv")

    @property
    def summary_csv_url(self) -> str:
        """Export of the Usage summary."""
        return self._url("summary_csv")

    def chart_csv_url(self, entitlement_id: int, key: str, period: int | None = None) -> str:
        """Export of one trend chart's figures (of a Gateway entitlement: for one billing period)."""
        return self._url("chart_csv", entitlement_id=entitlement_id, key=key, period=period)

    def history_csv_url(self, entitlement_id: int) -> str:
        """Export of every recorded day of one entitlement."""
        return self._url("history_csv", entitlement_id=entitlement_id)

    @property
    def target(self) -> str:
        """The region htmx swaps licensing content into."""
        return "#customer-panel" if self.partner_view else "#licensing-main"

    def page(self, name: str) -> tuple[str, str]:
        """The page template `name` on this side (inside My Customers, or the organization's
        own Licensing) and the block htmx swaps."""
        if self.partner_view:
            return f"customers/{name}.html", "customer_panel"
        return f"licensing/{name}.html", "licensing_main"


def partner_subject(orgid: str, entitlement_id: int | None = None) -> Subject:
    """A customer connected to the acting partner, and with `entitlement_id` that entitlement (one
    query either way); 404 for any other organization or entitlement (and for an entitlement of a
    customer that does not share its licensing), NotShared for the summary of such a customer."""
    if entitlement_id is None:
        customer, connection = connected_customer_or_404(orgid)
        sharing.require(connection, sharing.LICENSING)
        return Subject(customer, partner_view=True)
    customer, entitlement, service = connected_entitlement_or_404(orgid, entitlement_id)
    return Subject(customer, partner_view=True, entitlement=(entitlement, service))


def subject_entitlement(subject: Subject, entitlement_id: int):
    """The subject's entitlement with its service: as loaded with the subject, or looked up (404
    for another organization's)."""
    return subject.entitlement or entitlement_or_404(subject.org, entitlement_id)


def own_subject() -> Subject:
    """The current organization, seen by its own administrators."""
    return Subject(acting().org, partner_view=False)


def _csv(header, rows, *name_parts: str) -> Response:
    """A streamed CSV download (see downloads.csv_download for `rows`) with a descriptive file name."""
    return downloads.csv_download(charts.export_filename(*name_parts, day=date.today()), header, rows)


def _period() -> int | None:
    """The billing period asked for in the query string (None when absent or not a number)."""
    return request.args.get("period", type=int)


# --- shared bodies ------------------------------------------------------------------------


def render_summary(subject: Subject, template: str, block: str):
    """The Usage tab of `subject`."""
    return htmx.render(
        template,
        block=block,
        subject=subject,
        customer=subject.org,
        usage=queries.usage_summary(subject.org.id, date.today()),
    )


def _what_if_amount(name: str, limit: int) -> tuple[int, str | None]:
    """The what-if addition from the query string: 0 when absent, with a message when it is not a
    whole number from 0 to `limit`."""
    text = request.args.get(name, "").strip()
    if not text:
        return 0, None
    if not text.isdigit() or int(text) > limit:
        return 0, gettext("Enter a whole number from 0 to %(limit)s.", limit=format_number(limit))
    return int(text), None


def _forecast_context(subject: Subject, entitlement, service, data) -> dict:
    """The forecast of one entitlement, recomputed with the what-if addition (nothing written),
    and for a partner the customer's health score before and after it."""
    today = date.today()
    if service.is_bandwidth:
        added, error = _what_if_amount("add_gb", forecast.MAX_ADD_GB)
        result = insight_queries.bandwidth_forecast_for(data, today, added)
        health = _partner_health(subject, added_gb=added)
        maximum = forecast.MAX_ADD_GB
    else:
        added, error = _what_if_amount("add", forecast.MAX_ADD_LICENSES)
        result = insight_queries.seat_forecast_for(data, today, added)
        health = _partner_health(subject, added_licenses=added)
        maximum = forecast.MAX_ADD_LICENSES
    return {
        "forecast": result,
        "chart": forecast_chart(result, service.unit),
        "health": health,
        "what_if_url": subject.trend_url(entitlement.id, request.args.get("period", type=int)),
        "what_if_error": error,
        "what_if_max": maximum,
    }


def _partner_health(subject: Subject, **added):
    """Health now and with the what-if addition, on a partner's view (customers have no score).
    Read only once a what-if is asked: the trend page itself keeps its query budget."""
    if not subject.partner_view or not any(added.values()):
        return None
    me = acting()
    return insight_queries.what_if_health(me.org.id, me.administrator.id, subject.org.id, **added)


def render_trend(subject: Subject, entitlement_id: int, template: str, block: str):
    """View Usage Trend of one of `subject`'s entitlements: license charts, or for a Gateway
    entitlement its bandwidth (never license charts), with the forecast and What if (alone for
    htmx when the what-if form asks; 422 for a what-if that is not a whole number in range)."""
    entitlement, service = subject_entitlement(subject, entitlement_id)
    if service.is_bandwidth:
        data = queries.bandwidth_trend(entitlement, service, date.today(), _period())
        template, block = subject.page("bandwidth_trend")
    else:
        data = queries.TrendData(entitlement, service, date.today())
    context = _forecast_context(subject, entitlement, service, data)
    status = 422 if context["what_if_error"] else 200
    if htmx.target() == "what-if":
        return htmx.render(
            "insights/_forecast.html",
            status=status,
            subject=subject,
            customer=subject.org,
            entitlement=entitlement,
            service=service,
            data=data,
            **context,
        )
    trend = data.page_charts() if service.is_bandwidth else queries.usage_trend(data)
    return htmx.render(
        template,
        block=block,
        status=status,
        subject=subject,
        customer=subject.org,
        entitlement=entitlement,
        service=service,
        data=data,
        trend=trend,
        **context,
    )


def render_sites(subject: Subject, entitlement_id: int):
    """A Gateway entitlement's on-premises bandwidth per site (404 for other services)."""
    entitlement, service = subject_entitlement(subject, entitlement_id)
    if not service.is_bandwidth:
        abort(404)
    data = queries.bandwidth_trend(entitlement, service, date.today(), _period())
    template, block = subject.page("bandwidth_sites")
    return htmx.render(
        template,
        block=block,
        subject=subject,
        customer=subject.org,
        entitlement=entitlement,
        service=service,
        data=data,
        chart=data.chart(queries.SITES_KEY),
    )


def render_overage(subject: Subject):
    """View Overage Chart: the Gateway overage of the past 12 months (404 without Gateway)."""
    chart = queries.gateway_overage(subject.org.id, date.today())
    if chart is None:
        abort(404)
    template, block = subject.page("gateway_overage")
    return htmx.render(template, block=block, subject=subject, customer=subject.org, chart=chart)


def summary_csv(subject: Subject) -> Response:
    """The Usage summary as CSV, with the same figures as the page."""
    usage = queries.usage_summary(subject.org.id, date.today())
    table = charts.Table(
        headers=(
            gettext("Service"),
            gettext("Unit"),
            gettext("Purchased"),
            gettext("Assigned"),
            gettext("Assigned of purchased"),
            gettext("Remaining"),
            gettext("Overage"),
            gettext("Monthly active users"),
            gettext("Daily active users"),
            gettext("Expires"),
            gettext("Expires within 90 days"),
        ),
        kinds=("text",) * 11,
        rows=tuple(
            (
                row.name,
                row.unit,
                row.summary.purchased,
                row.summary.assigned,
                row.summary.percent_label,
                row.summary.remaining,
                row.summary.overage,
                row.summary.monthly_active,
                row.summary.daily_active,
                row.summary.expires_on.isoformat() if row.summary.expires_on else "",
                "yes" if row.summary.expiring_soon else "no",
            )
            for row in usage.services
        ),
    )
    return _csv(table.headers, table.csv_rows, subject.org.name, "licensing-summary")


def chart_csv(subject: Subject, entitlement_id: int, key: str) -> Response:
    """One trend chart's table as CSV (of a Gateway entitlement: for the period asked for)."""
    entitlement, service = subject_entitlement(subject, entitlement_id)
    if service.is_bandwidth:
        chart = queries.bandwidth_trend(entitlement, service, date.today(), _period()).chart(key)
    else:
        chart = queries.TrendData(entitlement, service, date.today()).chart(key)
    if chart is None:
        abort(404)
    return _csv(chart.table.headers, chart.table.csv_rows, subject.org.name, service.code, str(entitlement.id), key)


def history_csv(subject: Subject, entitlement_id: int) -> Response:
    """Every recorded day of one entitlement (of a Gateway entitlement: per day and source),
    streamed from the database (aggregates only)."""
    entitlement, service = subject_entitlement(subject, entitlement_id)
    if service.is_bandwidth:

        def bandwidth_rows():
            return (
                (day, source.value, site, gb_number(megabytes))
                for day, source, site, megabytes in queries.bandwidth_history(entitlement_id)
            )

        return _csv(
            (gettext("Day"), gettext("Source"), gettext("Site"), gettext("Bandwidth (GB)")),
            bandwidth_rows,
            subject.org.name,
            service.code,
            str(entitlement.id),
            "daily-bandwidth",
        )
    headers = (
        gettext("Day"),
        gettext("Licenses assigned"),
        gettext("Newly assigned"),
        gettext("Daily active users"),
        gettext("Monthly active users"),
        gettext("Peak concurrent users"),
    )
    # Read while the body streams, by the plain id (see downloads.csv_download).
    return _csv(
        headers,
        lambda: queries.daily_history(entitlement_id),
        subject.org.name,
        service.code,
        str(entitlement.id),
        "daily-usage",
    )


def gateway_csv(subject: Subject) -> Response:
    """The Gateway service summary as CSV, with the same figures as the page (404 without Gateway)."""
    gateway = queries.usage_summary(subject.org.id, date.today()).gateway
    if gateway is None:
        abort(404)
    return _csv(gateway.table.headers, gateway.table.csv_rows, subject.org.name, "gateway-summary")


def overage_csv(subject: Subject) -> Response:
    """View Overage Chart's table as CSV (404 without Gateway)."""
    chart = queries.gateway_overage(subject.org.id, date.today())
    if chart is None:
        abort(404)
    return _csv(chart.table.headers, chart.table.csv_rows, subject.org.name, "gateway-overage")


# --- partner routes (a connected customer) ----------------------------------------------


@bp.get("/customers/<orgid>/licensing")
@keep_response
@dashboard_required
def partner_summary(orgid: str):
    """View Licensing: the Usage tab of a connected customer (swapped into the dashboard)."""
    return render_summary(partner_subject(orgid), "customers/licensing.html", "customer_panel")


@bp.get("/customers/<orgid>/licensing/<int:entitlement_id>")
@keep_response
@dashboard_required
def partner_trend(orgid: str, entitlement_id: int):
    """View Usage Trend of a connected customer's entitlement."""
    return render_trend(
        partner_subject(orgid, entitlement_id), entitlement_id, "customers/trend.html", "customer_panel"
    )


@bp.get("/customers/<orgid>/licensing/export.csv")
@dashboard_required
def partner_summary_csv(orgid: str):
    """Export a connected customer's Usage summary."""
    return summary_csv(partner_subject(orgid))


@bp.get("/customers/<orgid>/licensing/<int:entitlement_id>/<key>.csv")
@dashboard_required
def partner_chart_csv(orgid: str, entitlement_id: int, key: str):
    """Export one trend chart of a connected customer's entitlement."""
    return chart_csv(partner_subject(orgid, entitlement_id), entitlement_id, key)


@bp.get("/customers/<orgid>/licensing/<int:entitlement_id>/history.csv")
@keep_response
@dashboard_required
def partner_history_csv(orgid: str, entitlement_id: int):
    """Export the daily usage history of a connected customer's entitlement."""
    return history_csv(partner_subject(orgid, entitlement_id), entitlement_id)


@bp.get("/customers/<orgid>/licensing/<int:entitlement_id>/sites")
@dashboard_required
def partner_sites(orgid: str, entitlement_id: int):
    """On-premises bandwidth per site of a connected customer's Gateway entitlement."""
    return render_sites(partner_subject(orgid, entitlement_id), entitlement_id)


@bp.get("/customers/<orgid>/licensing/gateway/overage")
@keep_response
@dashboard_required
def partner_gateway_overage(orgid: str):
    """View Overage Chart of a connected customer's Gateway service."""
    return render_overage(partner_subject(orgid))


@bp.get("/customers/<orgid>/licensing/gateway/overage.csv")
@dashboard_required
def partner_gateway_overage_csv(orgid: str):
    """Export a connected customer's Gateway overage of the past 12 months."""
    return overage_csv(partner_subject(orgid))


@bp.get("/customers/<orgid>/licensing/gateway/export.csv")
@dashboard_required
def partner_gateway_csv(orgid: str):
    """Export a connected customer's Gateway service summary."""
    return gateway_csv(partner_subject(orgid))


# --- the organization's own licensing -----------------------------------------------------


@bp.get("/licensing")
@keep_response
@licensing_access
def own_summary():
    """Licensing of the current organization: the Usage tab."""
    return render_summary(own_subject(), "licensing/index.html", "licensing_main")


@bp.get("/licensing/<int:entitlement_id>")
@keep_response
@licensing_access
def own_trend(entitlement_id: int):
    """View Usage Trend of one of the current organization's entitlements."""
    return render_trend(own_subject(), entitlement_id, "licensing/trend.html", "licensing_main")


@bp.get("/licensing/export.csv")
@licensing_access
def own_summary_csv():
    """Export the current organization's Usage summary."""
    return summary_csv(own_subject())


@bp.get("/licensing/<int:entitlement_id>/<key>.csv")
@licensing_access
def own_chart_csv(entitlement_id: int, key: str):
    """Export one trend chart of the current organization's entitlement."""
    return chart_csv(own_subject(), entitlement_id, key)


@bp.get("/licensing/<int:entitlement_id>/history.csv")
@keep_response
@licensing_access
def own_history_csv(entitlement_id: int):
    """Export the daily usage history of one of the current organization's entitlements."""
    return history_csv(own_subject(), entitlement_id)


@bp.get("/licensing/<int:entitlement_id>/sites")
@licensing_access
def own_sites(entitlement_id: int):
    """On-premises bandwidth per site of one of the current organization's Gateway entitlements."""
    return render_sites(own_subject(), entitlement_id)


@bp.get("/licensing/gateway/overage")
@licensing_access
def own_gateway_overage():
    """View Overage Chart of the current organization's Gateway service."""
    return render_overage(own_subject())


@bp.get("/licensing/gateway/overage.csv")
@licensing_access
def own_gateway_overage_csv():
    """Export the current organization's Gateway overage of the past 12 months."""
    return overage_csv(own_subject())


@bp.get("/licensing/gateway/export.csv")
@licensing_access
def own_gateway_csv():
    """Export the current organization's Gateway service summary."""
    return gateway_csv(own_subject())


@bp.get("/licensing/<int:entitlement_id>/assignments")
@licensing_access
def own_assignments(entitlement_id: int):
    """Who holds the entitlement's licenses: for the organization's own administrators only."""
    subject = own_subject()
    entitlement, service = subject_entitlement(subject, entitlement_id)
    rows, total = queries.assignments(entitlement.id)
    return htmx.render(
        "licensing/assignments.html",
        block="licensing_main",
        subject=subject,
        entitlement=entitlement,
        service=service,
        assignments=rows,
        total=total,
    )
