"""Mail leaves the request: an outbox row per email, delivered by a background job with retries,
backoff and a sent-marker, against a real SMTP server on loopback.

Most tests run jobs inline (JOBS_IMMEDIATE, the suite's default), where a retry lands in huey's
in-memory schedule and can be run "at" its due time without waiting. The tests marked
`committing` take the real paths: a consumer thread in the app, and `flask --app app worker`
processes killed mid-delivery, on SQLite and on Redis storage.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from sqlalchemy import delete, func, select

from partner_portal import create_app, jobs
from partner_portal.extensions import db
from partner_portal.mail import LEASE, queue_mail, redeliver_stalled_mail
from partner_portal.models import Organization, OutgoingMail, Program, User, utcnow

from ..conftest import CSRFClient, make_test_config
from ..mailbox import SMTPServer, free_port
from ..factories import make_admin, make_partner, make_user
from .test_customers import GOOD_CUSTOMER

ROOT = Path(__file__).resolve().parents[2]
JOBS_REDIS_URL = "redis://127.0.0.1:6379/12"
FLASH = "If an account uses that email, a link to set its password is on its way."


@pytest.fixture
def smtp_port():
    return free_port()


@pytest.fixture
def smtp(smtp_port):
    """A running SMTP server."""
    server = SMTPServer(smtp_port)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mail_to(app, monkeypatch, smtp_port):
    """Point the app's mail at 127.0.0.1:`smtp_port` (running or not), plain SMTP, short backoff."""
    for key, value in {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_port, "MAIL_USE_TLS": False,
                       "MAIL_RETRIES": 3, "MAIL_RETRY_DELAY": 5, "MAIL_RETRY_BACKOFF": 3}.items():
        monkeypatch.setitem(app.config, key, value)


@pytest.fixture
def held(monkeypatch):
    """The jobs enqueued during the test, kept in this list instead of run."""
    jobs_enqueued = []
    monkeypatch.setattr(jobs, "enqueue", jobs_enqueued.append)
    return jobs_enqueued


def _outbox(recipient: str) -> list[OutgoingMail]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutgoingMail).where(OutgoingMail.recipient == recipient)
                                   .order_by(OutgoingMail.id)))


def _reset_link(message) -> str:
    return re.search(r"http://localhost(/reset-password/\S+)", message.get_content()).group(1)


# --- the request never waits on the mail server ------------------------------------------------

def test_forgot_password_mail_reaches_the_smtp_server_once(client, smtp, mail_to):
    make_user("known@example.org")
    response = client.post("/forgot-password", data={"email": "known@example.org"})
    assert response.status_code == 303
    [mail] = _outbox("known@example.org")
    [message] = smtp.recorder.with_id(mail.message_id)
    assert len(smtp.recorder.messages) == 1
    assert message["To"] == "known@example.org" and message["Subject"] == "Set your Partner Portal password"
    assert mail.sent_at is not None and mail.attempts == 1
    # The delivered link is not kept in the database.
    assert mail.body == ""
    assert client.get(_reset_link(message)).status_code == 200


def test_forgot_password_answers_the_same_for_known_and_unknown_while_smtp_is_down(client, mail_to, schedule):
    make_user("known@example.org")
    answers = []
    for address in ("known@example.org", "unknown@example.org"):
        posted = client.post("/forgot-password", data={"email": address})
        page = client.get(posted.headers["Location"])
        # CSRF tokens carry the second they were signed in; everything else must match.
        html = re.sub(r'("X-CSRFToken": "|name="csrf_token" value=")[^"]+', r"\1", page.get_data(as_text=True))
        answers.append((posted.status_code, posted.headers["Location"], posted.get_data(), page.status_code, html))
    assert answers[0] == answers[1]
    status, location, _, page_status, page = answers[0]
    assert (status, location, page_status) == (303, "/sign-in", 200) and FLASH in page
    # The known address's email waits for a retry; the unknown one has none.
    [mail] = _outbox("known@example.org")
    assert mail.sent_at is None and mail.failed_at is None and "ConnectionRefusedError" in mail.last_error
    assert _outbox("unknown@example.org") == []
    assert schedule.scheduled_count() == 1


def test_forgot_password_does_the_same_work_for_known_and_unknown_emails(client, count_queries, held):
    """The request only enqueues; the lookup happens in the job, so the timing tells nothing."""
    make_user("known@example.org")
    statements = []
    for address in ("known@example.org", "unknown@example.org"):
        with count_queries() as queries:
            assert client.post("/forgot-password", data={"email": address}).status_code == 303
        statements.append(queries)
    assert statements[0] == statements[1]
    assert [(job.name, job.args[0]) for job in held] == [
        ("send_reset_link", "known@example.org"), ("send_reset_link", "unknown@example.org")]


def test_forgot_password_answers_normally_when_the_queue_is_unreachable(client, monkeypatch):
    make_user("known@example.org")

    def unreachable(job):
        raise redis.exceptions.ConnectionError("queue down")

    monkeypatch.setattr(jobs.huey, "enqueue", unreachable)
    for address in ("known@example.org", "unknown@example.org"):
        response = client.post("/forgot-password", data={"email": address})
        assert response.status_code == 303 and response.headers["Location"] == "/sign-in"


@pytest.fixture
def partner_user():
    return make_admin(make_partner("Northwind", programs=[Program.SOLUTION_ADVISOR]))


def test_add_a_customer_succeeds_while_smtp_is_down(client, login, partner_user, mail_to, schedule):
    login(partner_user)
    response = client.post("/customers/add", data=GOOD_CUSTOMER)
    assert response.status_code == 303
    assert db.session.scalar(select(Organization).where(Organization.name == GOOD_CUSTOMER["company"]))
    [mail] = _outbox(GOOD_CUSTOMER["email"])
    assert mail.sent_at is None and mail.attempts == 1 and "created your Partner Portal account" in mail.subject
    [retry] = schedule.scheduled()
    assert retry.args == (mail.message_id,)


def test_add_a_customer_mail_is_written_with_the_account(client, login, partner_user, smtp, mail_to):
    login(partner_user)
    client.post("/customers/add", data=GOOD_CUSTOMER)
    [mail] = _outbox(GOOD_CUSTOMER["email"])
    [message] = smtp.recorder.with_id(mail.message_id)
    assert "To sign in, set your password" in message.get_content()


def test_a_refused_customer_leaves_no_email(client, login, partner_user, held):
    """The transaction that rolls back takes its email and its delivery job with it."""
    login(partner_user)
    make_user(GOOD_CUSTOMER["email"])
    assert client.post("/customers/add", data=GOOD_CUSTOMER).status_code == 422
    assert _outbox(GOOD_CUSTOMER["email"]) == [] and held == []


def test_rolled_back_mail_is_never_enqueued(app, held):
    queue_mail("someone@example.org", "Hello", "Body")
    db.session.rollback()
    db.session.commit()
    assert held == [] and _outbox("someone@example.org") == []
    queue_mail("someone@example.org", "Hello", "Body")
    db.session.commit()
    assert [job.name for job in held] == ["deliver_mail"]


# --- retries with backoff -----------------------------------------------------------------------

def test_unreachable_server_is_retried_with_growing_delays_then_delivered_once(app, mail_to, schedule, smtp_port):
    mail = queue_mail("someone@example.org", "Hello", "Body")
    started = utcnow()
    db.session.commit()
    [first] = schedule.scheduled()
    # MAIL_RETRY_DELAY 5 s, then x3 (MAIL_RETRY_BACKOFF) each time.
    assert first.retries == 2 and timedelta(seconds=4) < first.eta - started.replace(tzinfo=None) < timedelta(seconds=6)
    assert first.retry_delay == 15

    schedule.storage.flush_schedule()
    failed_again = utcnow().replace(tzinfo=None)
    schedule.execute(first, timestamp=first.eta)  # the retry, run at its due time: still down
    [second] = schedule.scheduled()
    assert second.retries == 1 and timedelta(seconds=14) < second.eta - failed_again < timedelta(seconds=16)
    assert second.retry_delay == 45

    server = SMTPServer(smtp_port)
    server.start()
    try:
        schedule.storage.flush_schedule()
        schedule.execute(second, timestamp=second.eta)
        assert schedule.scheduled_count() == 0
        # huey delivering the same job again sends nothing more.
        schedule.execute(second, timestamp=second.eta)
    finally:
        server.stop()
    assert len(server.recorder.with_id(mail.message_id)) == 1 and len(server.recorder.messages) == 1
    [row] = _outbox("someone@example.org")
    assert row.sent_at is not None and row.attempts == 3


def test_the_last_failure_gives_up(app, mail_to, schedule, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_RETRIES", 0)
    queue_mail("someone@example.org", "Hello", "Body")
    db.session.commit()
    [row] = _outbox("someone@example.org")
    assert row.failed_at is not None and row.body == "" and "ConnectionRefusedError" in row.last_error
    assert schedule.scheduled_count() == 0
    # Given up means given up: the sweeper leaves it alone.
    assert redeliver_stalled_mail(now=utcnow() + LEASE * 100) == 0


@pytest.mark.parametrize("stage, answer, retried", [
    ("rcpt", "451 Try again later", True), ("rcpt", "550 No such user here", False),
    ("data", "452 Out of storage", True), ("data", "554 Message refused", False),
])
def test_refusals_are_retried_only_when_temporary(app, smtp, mail_to, schedule, stage, answer, retried):
    setattr(smtp.recorder, f"{stage}_answer", answer)
    queue_mail("someone@example.org", "Hello", "Body")
    db.session.commit()
    [row] = _outbox("someone@example.org")
    assert smtp.recorder.messages == []
    assert schedule.scheduled_count() == (1 if retried else 0)
    assert (row.failed_at is None) is retried
    assert answer.split()[0] in row.last_error


def test_an_email_whose_workers_keep_dying_is_given_up(app, smtp, mail_to, held):
    """Deaths count as attempts, so a message that kills its worker can't come back forever."""
    queue_mail("someone@example.org", "Hello", "Body")
    db.session.commit()
    [row] = _outbox("someone@example.org")
    row.attempts = app.config["MAIL_RETRIES"] + 1  # as many jobs as allowed died mid-delivery
    db.session.commit()
    jobs.huey.execute(held[0])
    [row] = _outbox("someone@example.org")
    assert row.failed_at is not None and row.last_error == "Gave up after 4 attempts."
    assert smtp.recorder.at_recipient.is_set() is False


# --- the sent-marker and the sweeper ------------------------------------------------------------

def test_a_job_that_runs_again_after_sending_sends_nothing(app, smtp, mail_to, held):
    """A worker that sent and recorded the email but died before huey was done with the job."""
    mail = queue_mail("someone@example.org", "Hello", "Body")
    db.session.commit()
    [job] = held
    jobs.huey.execute(job)
    jobs.huey.execute(job)
    assert redeliver_stalled_mail(now=utcnow() + LEASE * 2) == 0
    assert len(smtp.recorder.with_id(mail.message_id)) == 1


def test_the_sweeper_waits_for_the_lease_then_hands_the_email_to_a_new_job(app, smtp, mail_to, held):
    """A delivery job lost before it ran (queue down at enqueue, worker gone after taking it)."""
    mail = queue_mail("someone@example.org", "Hello", "Body")
    db.session.commit()
    [lost] = held
    assert redeliver_stalled_mail() == 0  # within the lease: the job may still be on its way
    assert redeliver_stalled_mail(now=utcnow() + LEASE + timedelta(seconds=1)) == 1
    [lost, new] = held
    assert new.id != lost.id and new.args == (mail.message_id,)
    # Another sweeper at the same moment finds nothing left to hand over.
    assert redeliver_stalled_mail(now=utcnow() + LEASE + timedelta(seconds=1)) == 0
    # The lost job turning up after all does nothing: the email is the new job's now.
    jobs.huey.execute(lost)
    assert smtp.recorder.messages == []
    jobs.huey.execute(new)
    assert len(smtp.recorder.with_id(mail.message_id)) == 1


def test_two_sweepers_at_once_hand_the_email_over_once(app, mail_to, monkeypatch, held):
    """The second sweeper read the email as stalled, but the first handed it over meanwhile."""
    from partner_portal import mail as mail_module

    queue_mail("someone@example.org", "Hello", "Body")
    db.session.commit()
    later = utcnow() + LEASE + timedelta(seconds=1)
    build_job = mail_module._delivery_job
    raced = []

    def other_sweeper_first(message_id, job_id=None):
        if not raced:
            raced.append("racing")
            raced.append(redeliver_stalled_mail(now=later))
        return build_job(message_id, job_id)

    monkeypatch.setattr(mail_module, "_delivery_job", other_sweeper_first)
    assert redeliver_stalled_mail(now=later) == 0 and raced == ["racing", 1]
    assert len(held) == 2  # the request's job and the other sweeper's, no third


def test_the_sweeper_forgets_long_finished_emails(app, smtp, mail_to):
    queue_mail("someone@example.org", "Hello", "Body")
    db.session.commit()
    [row] = _outbox("someone@example.org")
    assert row.sent_at is not None
    redeliver_stalled_mail(now=utcnow() + timedelta(days=29))
    assert len(_outbox("someone@example.org")) == 1
    redeliver_stalled_mail(now=utcnow() + timedelta(days=31))
    assert _outbox("someone@example.org") == []


# --- real paths: a consumer thread, worker processes -------------------------------------------

@pytest.fixture
def real_jobs_app(app, tmp_path, smtp_port):
    """A second app (as another process would have) on the suite's database with real job storage,
    no per-test rollback; the suite's app gets the queue back afterwards."""
    config = {**make_test_config(tmp_path, app.config["SQLALCHEMY_DATABASE_URI"]), "JOBS_IMMEDIATE": False,
              "JOBS_URL": f"sqlite:///{tmp_path / 'jobs.db'}", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_port,
              "MAIL_USE_TLS": False}
    real = create_app(config)
    real.test_client_class = CSRFClient
    yield real
    jobs.stop_in_process_consumer()
    with real.app_context():
        db.session.execute(delete(OutgoingMail))
        db.session.execute(delete(User).where(User.email.like("%@jobs.example.org")))
        db.session.commit()
        db.engine.dispose()
    jobs.init_app(app)


def _wait_for(predicate, timeout: float = 20.0) -> None:
    """Poll `predicate` (another process's commit) until true or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _sent(app, message_id: str) -> bool:
    with app.app_context():
        return db.session.scalar(select(OutgoingMail.sent_at).where(OutgoingMail.message_id == message_id)) is not None


@pytest.mark.committing
def test_the_consumer_thread_delivers_mail_queued_by_a_request(real_jobs_app, smtp):
    with real_jobs_app.app_context():
        make_user("thread@jobs.example.org")
        db.session.commit()
    assert jobs.start_in_process_consumer(real_jobs_app)
    assert not jobs.start_in_process_consumer(real_jobs_app)  # one per process
    with real_jobs_app.app_context():
        response = real_jobs_app.test_client().post("/forgot-password", data={"email": "thread@jobs.example.org"})
    assert response.status_code == 303
    assert smtp.recorder.delivered.wait(20)
    [message] = smtp.recorder.messages
    assert message["To"] == "thread@jobs.example.org"
    _wait_for(lambda: _sent(real_jobs_app, message["Message-ID"]))


def _start_worker(app, env_extra: dict) -> subprocess.Popen:
    """`flask --app app worker` in its own process, on the suite's database."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("PORTAL_", "MAIL_", "JOBS_")) and name not in {"REDIS_URL", "DATABASE_URL"}}
    env.update({"DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": app.config["SECRET_KEY"],
                "PORTAL_DEMO": "0", "PORTAL_AUTO_MIGRATE": "0", "MAIL_SERVER": "127.0.0.1",
                "MAIL_PORT": str(app.config["MAIL_PORT"]), "MAIL_USE_TLS": "0", "PYTHONUNBUFFERED": "1",
                **env_extra})
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "worker", "--threads", "1"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _stop(process: subprocess.Popen, sig: int = signal.SIGINT) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.mark.committing
@pytest.mark.parametrize("storage", ["sqlite", "redis"])
def test_a_worker_killed_mid_delivery_runs_the_job_again_and_the_mail_goes_once(
        real_jobs_app, smtp, storage, tmp_path):
    if storage == "redis":
        server = redis.Redis.from_url(JOBS_REDIS_URL)
        try:
            server.ping()
        except redis.exceptions.ConnectionError:
            pytest.skip("Redis is not running on 127.0.0.1:6379")
        server.flushdb()
        real_jobs_app.config["JOBS_URL"] = JOBS_REDIS_URL
        jobs.init_app(real_jobs_app)
    jobs_url = real_jobs_app.config["JOBS_URL"]
    with real_jobs_app.app_context():
        mail = queue_mail("killed@jobs.example.org", "Hello", "Body")
        message_id = mail.message_id
        db.session.commit()
        first_job = db.session.scalar(select(OutgoingMail.leased_by).where(OutgoingMail.message_id == message_id))

    # The first worker takes the job and dies (SIGKILL) in the middle of the SMTP exchange.
    smtp.recorder.stall_next = True
    worker = _start_worker(real_jobs_app, {"JOBS_URL": jobs_url})
    try:
        assert smtp.recorder.at_recipient.wait(30)
    finally:
        worker.kill()
        worker.wait()
    with real_jobs_app.app_context():
        row = db.session.scalar(select(OutgoingMail).where(OutgoingMail.message_id == message_id))
        assert (row.attempts, row.leased_by, row.sent_at) == (1, first_job, None)
        # huey's dequeue took the job with the worker: nothing on the queue will send this email.
        assert [job for job in jobs.huey.pending() if job.args == (message_id,)] == []
        # Once the lease is over, the sweeper hands the email to a new job.
        assert redeliver_stalled_mail(now=utcnow() + LEASE + timedelta(seconds=1)) == 1

    worker = _start_worker(real_jobs_app, {"JOBS_URL": jobs_url})
    try:
        assert smtp.recorder.delivered.wait(30)
        _wait_for(lambda: _sent(real_jobs_app, message_id))
    finally:
        _stop(worker)
    assert len(smtp.recorder.with_id(message_id)) == 1 and len(smtp.recorder.messages) == 1
    with real_jobs_app.app_context():
        assert db.session.scalar(select(OutgoingMail.attempts).where(OutgoingMail.message_id == message_id)) == 2
        assert redeliver_stalled_mail(now=utcnow() + LEASE * 10) == 0
        assert db.session.scalar(select(func.count()).select_from(OutgoingMail)) == 1
    if storage == "redis":
        server.flushdb()
