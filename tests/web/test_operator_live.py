"""The operator console through the real server (gunicorn, 4 workers, a connection per request)
on SQLite and PostgreSQL: one support request resolved by several operators at once creates one
account; a usage file larger than MAX_CONTENT_LENGTH streams to disk under instance/."""
from __future__ import annotations

import io
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from partner_portal.extensions import db
from partner_portal.models import ImportStatus, Organization, SupportRequest, UsageDay, UsageImport, User
from partner_portal.operator.services import run_usage_import

from ..allocation_factories import make_request
from ..conftest import TEST_PASSWORD
from ..factories import make_org, make_partner, make_user
from ..licensing_factories import make_entitlement, make_service

pytestmark = [pytest.mark.committing, pytest.mark.concurrency]


def _signed_in(portal_server, user: User):
    web = portal_server.session()
    web.sign_in(user.email, TEST_PASSWORD)
    return web


def test_operators_resolving_one_request_at_once_create_one_account(portal_server):
    request = make_request(make_partner("Northwind"), company="Contoso Clinics", contact_email="ann@contoso.example")
    operators = [make_user(f"operator{n}@example.org", operator=True) for n in range(6)]
    request_id = request.id
    db.session.commit()
    sessions = [_signed_in(portal_server, user) for user in operators]
    barrier = threading.Barrier(len(sessions))

    def resolve(web):
        barrier.wait(timeout=30)
        return web.post(f"/operator/requests/{request_id}/resolve", {"note": ""})

    with ThreadPoolExecutor(max_workers=len(sessions)) as pool:
        answers = list(pool.map(resolve, sessions))

    statuses = sorted(a.status for a in answers)
    assert statuses == [303] + [409] * 5, (statuses, portal_server.log()[-3000:])
    assert all("already resolved" in a.text for a in answers if a.status == 409)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Organization).where(
        Organization.name == "Contoso Clinics")) == 1
    assert db.session.scalar(select(func.count()).select_from(User).where(User.email == "ann@contoso.example")) == 1
    assert db.session.get(SupportRequest, request_id).resolved_by_id in {u.id for u in operators}


def test_an_upload_over_a_mebibyte_streams_to_disk_through_the_server(app, portal_server, monkeypatch):
    make_service("daas-user")
    orgs = [make_org(f"Customer {n}") for n in range(3)]
    for org in orgs:
        make_entitlement(org, "daas-user")
    operator = make_user("operator@example.org", operator=True)
    db.session.commit()
    first = date(2000, 1, 1)
    lines = ["orgid,service,day,licenses_assigned,newly_assigned,daily_active_users,monthly_active_users"]
    lines += [f"{org.orgid},daas-user,{first + timedelta(days=n)},10,0,3,8" for org in orgs for n in range(9000)]
    content = ("\n".join(lines) + "\n").encode()
    assert len(content) > 1024 * 1024
    web = _signed_in(portal_server, operator)
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(content), filename="usage.csv",
                                                                content_type="text/csv")})

    answer = web.post("/operator/imports", body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})

    assert answer.status == 303, (answer.status, answer.text[:500], portal_server.log()[-3000:])
    db.session.rollback()
    record = db.session.scalar(select(UsageImport))
    server_instance = Path(portal_server.log_path).parent / "instance"
    stored = server_instance / "uploads" / record.stored_name
    if record.status is ImportStatus.QUEUED:  # no consumer in these gunicorn workers: run the job here
        assert stored.read_bytes() == content and record.size_bytes == len(content)
        monkeypatch.setattr(app, "instance_path", str(server_instance))
        run_usage_import.call_local(record.id)
    db.session.rollback()
    record = db.session.get(UsageImport, record.id)
    assert record.status is ImportStatus.IMPORTED and record.rows_imported == 27000, record.summary
    assert db.session.scalar(select(func.count()).select_from(UsageDay)) == 27000
    assert not stored.exists()
    status = web.get(f"/operator/imports/{record.id}")
    assert "Imported 27,000 rows for 3 entitlements." in status.text

