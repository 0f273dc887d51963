"""Operator routes of the API (an operator's token): usage imports through the same job, checks
and all-or-nothing judgement as the console's CSV upload, and partner-program memberships through
the same service as the console."""

from __future__ import annotations

from flask import current_app, jsonify, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from ..accounts.services import set_membership
from ..audit.services import CUSTOMER_SERVICE
from ..extensions import db
from ..models import MembershipStatus, Organization, Program, UsageImport
from ..operator.services import queue_usage_import, upload_folder
from ..web.tenancy import operator_or_404
from ..web.uploads import reads_own_body, receive_body
from . import bp
from .auth import operator_token_required
from .problems import ApiError, json_object


def _usage_import(record: UsageImport) -> dict:
    """An import and its report (rejected lines only once it finished)."""
    return {
        "id": record.id,
        "status": record.status.value,
        "filename": record.filename,
        "size_bytes": record.size_bytes,
        "partial": record.partial,
        "rows_read": record.rows_read,
        "rows_imported": record.rows_imported,
        "rows_rejected": record.rows_rejected,
        "summary": record.summary or None,
        "rejected": record.rejected.splitlines(),
    }


@bp.post("/operator/usage-imports")
@reads_own_body
@operator_token_required
def import_usage():
    """Upload a usage CSV as the body (text/csv); a background job imports it all or nothing (or
    with ?partial=true, the good rows) exactly as the console's upload: 202 and the import to poll."""
    if request.mimetype != "text/csv":
        raise ApiError(415, "Send the usage file as the body, with Content-Type: text/csv.")
    limit = current_app.config["USAGE_UPLOAD_MAX_BYTES"]
    try:
        path = receive_body(upload_folder(), limit, suffix=".csv")
    except RequestEntityTooLarge:
        raise ApiError(413, f"The file is larger than the upload limit of {limit // (1024 * 1024):,} MiB.") from None
    name = (request.args.get("filename") or "api-upload.csv")[-255:]
    record = queue_usage_import(
        path, name, path.stat().st_size, partial=request.args.get("partial") == "true", by=current_user
    )
    answer = jsonify(_usage_import(operator_or_404(UsageImport, record.id)))
    answer.status_code = 202
    answer.headers["Location"] = url_for("api.usage_import", import_id=record.id)
    return answer


@bp.get("/operator/usage-imports/<int:import_id>")
@operator_token_required
def usage_import(import_id: int):
    """One usage import: queued, running, then imported or refused with its report."""
    return jsonify(_usage_import(operator_or_404(UsageImport, import_id)))


@bp.put("/operator/organizations/<orgid>/memberships/<any('solution-advisor', 'service-provider'):program>")
@operator_token_required
def set_program(orgid: str, program: str):
    """Grant (`active`) or lapse (`lapsed`) one partner-program membership of an organization."""
    body = json_object()
    status = body.get("status")
    if status not in {s.value for s in MembershipStatus}:
        raise ApiError(422, "status must be active or lapsed.", {"status": ["Choose active or lapsed."]})
    org = _org_or_404(orgid)
    membership = set_membership(
        org, Program(program), active=status == "active", by=current_user, label=CUSTOMER_SERVICE
    )
    return jsonify({"orgid": org.orgid, "program": membership.program.value, "status": membership.status.value})


def _org_or_404(orgid: str) -> Organization:
    """An organization by ORGID, for an operator (whose work spans organizations); 404 if none."""
    found = db.session.scalar(select(Organization).where(Organization.orgid == orgid))
    if found is None:
        raise ApiError(404, "There is no organization with that ORGID.")
    return found
