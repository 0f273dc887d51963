"""Usage imports from an uploaded CSV: streamed to disk under instance/ with a size limit of its
own, run by a background job through the same import and report as `flask usage import`, with
progress while it runs. Jobs run inline in tests (JOBS_IMMEDIATE), so the report is in by the
time the upload answers."""
from __future__ import annotations

import io
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from partner_portal.extensions import db
from partner_portal.models import ImportStatus, UsageDay, UsageImport, utcnow
from partner_portal.operator.services import run_usage_import

from ..conftest import htmx_headers
from ..factories import make_admin, make_org, make_partner, make_user
from ..licensing_factories import make_entitlement, make_service

HEADER = "orgid,service,day,licenses_assigned,newly_assigned,daily_active_users,monthly_active_users"
MiB = 1024 * 1024


@pytest.fixture
def operator(client, login):
    """A signed-in operator."""
    user = make_user("operator@example.org", operator=True)
    login(user)
    return user


@pytest.fixture
def orgs():
    """Three customers with one DaaS entitlement each."""
    for code in ("daas-user", "gateway"):
        make_service(code)
    customers = [make_org(f"Customer {n}") for n in range(3)]
    for org in customers:
        make_entitlement(org, "daas-user")
    return customers


def _csv(*lines: str) -> bytes:
    return ("\n".join([HEADER, *lines]) + "\n").encode()


def _multipart(fields: dict, content: bytes | None = None) -> tuple[bytes, str]:
    """A multipart body built in memory (the test client would spool a large one to a temporary
    file that it leaves open when the portal, rightly, never reads the body)."""
    values = dict(fields)
    if content is not None:
        values["file"] = FileStorage(io.BytesIO(content), filename="usage.csv", content_type="text/csv")
    boundary, body = encode_multipart(values)
    return body, f"multipart/form-data; boundary={boundary}"


def _upload(client, content: bytes | None, partial: bool = False, fields: dict | None = None, **kwargs):
    body, content_type = _multipart({**({"partial": "y"} if partial else {}), **(fields or {})}, content)
    return client.post("/operator/imports", data=body, content_type=content_type, **kwargs)


def _uploads(app) -> list[Path]:
    folder = Path(app.instance_path) / "uploads"
    return sorted(folder.iterdir()) if folder.exists() else []


def _usage_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(UsageDay))


def _latest() -> UsageImport:
    db.session.expire_all()
    return db.session.scalar(select(UsageImport).order_by(UsageImport.id.desc()))


def test_a_good_file_is_imported_by_the_job_and_leaves_no_file_behind(app, client, operator, orgs):
    org = orgs[0]
    response = _upload(client, _csv(f"{org.orgid},daas-user,2025-06-01,40,40,12,35",
                                    f"{org.orgid},daas-user,2025-06-02,44,4,15,38"))
    record = _latest()
    assert response.status_code == 303 and response.headers["Location"] == f"/operator/imports/{record.id}"
    assert record.status is ImportStatus.IMPORTED and record.uploaded_by_id == operator.id
    assert record.summary == "Imported 2 rows for 1 entitlement." and record.rows_imported == 2
    assert _usage_rows() == 2 and _uploads(app) == []
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Imported 2 rows for 1 entitlement." in page and "hx-trigger" not in page
    assert "usage.csv" in client.get("/operator/imports").get_data(as_text=True)


def test_a_bad_row_imports_nothing_and_reports_like_the_command(app, client, operator, orgs):
    org = orgs[0]
    lines = (f"{org.orgid},daas-user,2025-06-01,40,40,12,35", f"{org.orgid},daas-user,2025-06-02,4x,4,15,38",
             "9999999999,daas-user,2025-06-02,1,1,1,1")
    path = Path(app.instance_path) / "cli.csv"
    path.write_bytes(_csv(*lines))
    db.session.commit()
    command = app.test_cli_runner().invoke(args=["usage", "import", str(path)])
    _upload(client, _csv(*lines))
    record = _latest()
    assert record.status is ImportStatus.REFUSED and _usage_rows() == 0
    assert record.summary == ("Nothing was imported: 2 of 3 rows are bad. Fix them, or run with --partial to "
                              "import the good rows only.")
    assert record.summary in command.output
    assert record.rejected.splitlines() == ["line 3: licenses_assigned must be a whole number, got '4x'",
                                            "line 4: no organization has ORGID 9999999999"]
    assert all(line in command.output for line in record.rejected.splitlines())
    page = client.get(f"/operator/imports/{record.id}").get_data(as_text=True)
    assert "Rejected rows" in page and "line 3: licenses_assigned must be a whole number" in page


def test_partial_imports_the_good_rows(client, operator, orgs):
    org = orgs[0]
    _upload(client, _csv(f"{org.orgid},daas-user,2025-06-01,40,40,12,35", "x,daas-user,2025-06-02,1,1,1,1"),
            partial=True)
    record = _latest()
    assert record.status is ImportStatus.IMPORTED and record.partial
    assert record.summary == "Imported 1 rows for 1 entitlement; rejected 1." and _usage_rows() == 1


def test_a_bad_file_is_refused_whole(client, operator, orgs):
    _upload(client, b"orgid,service,nonsense\n1,2,3\n")
    record = _latest()
    assert record.status is ImportStatus.REFUSED and record.summary.startswith("line 1: unknown column 'nonsense'")
    assert record.summary.endswith("Nothing was imported.")


def test_more_than_a_mebibyte_is_accepted_on_this_route_only(app, client, operator, orgs):
    first = date(2000, 1, 1)
    lines = [f"{org.orgid},daas-user,{first + timedelta(days=n)},10,0,3,8" for org in orgs for n in range(9000)]
    content = _csv(*lines)
    assert len(content) > MiB
    assert _upload(client, content).status_code == 303
    record = _latest()
    assert record.size_bytes == len(content) and record.status is ImportStatus.IMPORTED
    assert record.rows_imported == 27000 and _usage_rows() == 27000
    # Every other route keeps MAX_CONTENT_LENGTH.
    assert client.post("/operator/requests/1/decline", data={"reason": "x" * (2 * MiB)}).status_code == 413


def test_a_file_over_the_upload_limit_is_refused_and_nothing_stays(app, client, operator, monkeypatch):
    monkeypatch.setitem(app.config, "USAGE_UPLOAD_MAX_BYTES", 2 * MiB)
    response = _upload(client, b"x" * (3 * MiB))
    assert response.status_code == 413 and "larger than the upload limit of 2 MiB" in response.get_data(as_text=True)
    assert _uploads(app) == [] and _latest() is None


def test_non_operators_never_get_a_body_read(app, client, login):
    login(make_admin(make_partner("Northwind")))
    assert _upload(client, b"x" * (3 * MiB)).status_code == 403
    assert _uploads(app) == [] and _latest() is None


def test_no_file_is_422(client, operator):
    response = _upload(client, None, partial=True)
    assert response.status_code == 422 and "Choose a CSV file to upload." in response.get_data(as_text=True)
    assert _latest() is None


def test_the_upload_needs_csrf_and_keeps_nothing_without_it(app, client, operator, orgs):
    assert _upload(client, _csv(f"{orgs[0].orgid},daas-user,2025-06-01,1,1,1,1"), csrf=False).status_code == 400
    assert _uploads(app) == [] and _latest() is None


def test_the_csrf_token_may_come_in_the_form(app, client, operator, orgs):
    content = _csv(f"{orgs[0].orgid},daas-user,2025-06-01,1,1,1,1")
    assert _upload(client, content, fields={"csrf_token": client.csrf_token()}, csrf=False).status_code == 303


def test_a_nul_in_a_field_is_400_and_keeps_nothing(app, client, operator, orgs):
    assert _upload(client, _csv(), fields={"partial": "y\x00"}).status_code == 400
    assert _uploads(app) == [] and _latest() is None


# --- progress, and a job that runs twice ----------------------------------------------------------


def _running(app) -> UsageImport:
    record = UsageImport(filename="big.csv", stored_name="abc123.csv", size_bytes=10, status=ImportStatus.RUNNING,
                         started_at=utcnow())
    db.session.add(record)
    db.session.flush()
    return record


def test_progress_shows_while_running_and_htmx_keeps_polling(app, client, operator):
    record = _running(app)
    folder = Path(app.instance_path) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "abc123.csv.progress").write_text(json.dumps({"phase": "checked", "rows": 200000}))
    try:
        fragment = client.get(f"/operator/imports/{record.id}", headers=htmx_headers()).get_data(as_text=True)
    finally:
        (folder / "abc123.csv.progress").unlink()
    assert fragment.lstrip().startswith('<section id="import-status"') and 'hx-trigger="every 1s"' in fragment
    assert "Checked 200,000 rows" in fragment and "Refresh" in fragment


def test_a_job_that_runs_again_does_nothing(app, client, operator, orgs):
    _upload(client, _csv(f"{orgs[0].orgid},daas-user,2025-06-01,40,40,12,35"))
    record = _latest()
    finished_at = record.finished_at
    run_usage_import.call_local(record.id)
    assert _latest().finished_at == finished_at and _usage_rows() == 1


def test_a_missing_file_is_reported(app, operator):
    record = UsageImport(filename="gone.csv", stored_name="gone.csv", size_bytes=1)
    db.session.add(record)
    db.session.commit()
    run_usage_import.call_local(record.id)
    record = _latest()
    assert record.status is ImportStatus.REFUSED and "The uploaded file is gone" in record.summary
