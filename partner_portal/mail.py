"""Outgoing email: written to an outbox in the caller's transaction, delivered by a background job
(SMTP when configured, otherwise .eml files under instance/mail/).

Delivery guarantee (docs/jobs.md has the whole argument):
- an email is recorded in the same transaction as the change that asked for it, and is handed to
  a delivery job only after that commit;
- a job lost anywhere (queue unreachable at enqueue, worker killed after taking the job or while
  talking to the SMTP server, retry dropped) leaves the email leased to a job that never returns;
  once the lease ends, the sweeper hands it to a new job, so delivery is retried, not lost;
- a job that runs again after the email was marked sent does nothing: `sent_at` is the marker,
  and only the job holding the lease may claim the email;
- one window stays: the SMTP server accepted the message and the worker died before it recorded
  `sent_at`. The email then goes twice, with the same Message-ID (mail clients show one). SMTP
  has no way to ask "did you get this one?", and losing a password email is worse than a
  duplicate, so delivery is at least once across that window and exactly once everywhere else.
"""

from __future__ import annotations

import smtplib
import uuid
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path

from flask import current_app
from huey import crontab
from huey.api import Task
from sqlalchemy import delete, or_, select, update

from . import jobs
from .extensions import db
from .models import OutgoingMail, utcnow

# Longest a delivery job may hold an email before the sweeper gives it to another job. One SMTP
# exchange is a few round trips of at most SMTP_TIMEOUT seconds each, far below this.
LEASE = timedelta(minutes=5)
SMTP_TIMEOUT = 10
# Delivered and failed emails are kept this long (without their body) so duplicates can be
# recognised and failures looked into.
KEEP_FINISHED = timedelta(days=30)
SWEEP_BATCH = 100


class MailNotSent(Exception):
    """A delivery attempt failed in a way worth retrying (server unreachable, 4xx answer)."""


def queue_mail(to: str, subject: str, body: str) -> OutgoingMail:
    """Add a plain-text email to the outbox in the current transaction; it goes out after commit."""
    job_id = str(uuid.uuid4())
    mail = OutgoingMail(
        message_id=_new_message_id(),
        recipient=to,
        subject=subject,
        body=body,
        leased_by=job_id,
        lease_until=utcnow() + LEASE,
    )
    db.session.add(mail)
    jobs.enqueue_after_commit(_delivery_job(mail.message_id, job_id))
    return mail


def _new_message_id() -> str:
    """A globally unique Message-ID on the sender's domain."""
    domain = parseaddr(current_app.config["MAIL_FROM"])[1].rpartition("@")[2] or "localhost"
    return f"<{uuid.uuid4().hex}@{domain}>"


def _delivery_job(message_id: str, job_id: str | None = None) -> Task:
    """A delivery job for one outbox email, with the configured retries and backoff."""
    config = current_app.config
    return deliver_mail.s(
        message_id,
        id=job_id,
        retries=config["MAIL_RETRIES"],
        retry_delay=config["MAIL_RETRY_DELAY"],
        retry_backoff=config["MAIL_RETRY_BACKOFF"],
    )


@jobs.task(context=True)
def deliver_mail(message_id: str, task: Task) -> None:
    """Deliver one outbox email unless it is sent, failed, or leased to another job; raises
    MailNotSent to have huey retry it later."""
    if not _claim(message_id, task.id):
        return
    mail = db.session.scalar(select(OutgoingMail).where(OutgoingMail.message_id == message_id))
    most = current_app.config["MAIL_RETRIES"] + 1
    if mail.attempts > most:
        # Jobs that died mid-delivery count too: a message that kills its worker stops here.
        _finish(mail, error=f"Gave up after {most} attempts.")
        return
    try:
        _transmit(_message(mail))
    except (smtplib.SMTPException, OSError) as error:
        reason = f"{type(error).__name__}: {error}"[:500]
        if _is_permanent(error) or not task.retries:
            _finish(mail, error=reason)
            return
        # The retry keeps this job's id, so it may claim the email again; the sweeper leaves the
        # email alone until well after the retry is due.
        mail.lease_until = utcnow() + timedelta(seconds=task.retry_delay) + LEASE
        mail.last_error = reason
        db.session.commit()
        raise MailNotSent(reason) from error
    _finish(mail)


def _claim(message_id: str, job_id: str) -> bool:
    """Take the email's lease for `job_id` and count the attempt; False when it is not this job's to send."""
    now = utcnow()
    claimed = db.session.execute(
        update(OutgoingMail)
        .where(
            OutgoingMail.message_id == message_id,
            OutgoingMail.sent_at.is_(None),
            OutgoingMail.failed_at.is_(None),
            or_(OutgoingMail.leased_by == job_id, OutgoingMail.lease_until < now),
        )
        .values(leased_by=job_id, lease_until=now + LEASE, attempts=OutgoingMail.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return claimed == 1


def _finish(mail: OutgoingMail, error: str | None = None) -> None:
    """Record the email as sent, or as failed for good with `error`."""
    if error is None:
        mail.sent_at = utcnow()
    else:
        mail.failed_at = utcnow()
        mail.last_error = error
        current_app.logger.warning("Email %s to %s not delivered: %s", mail.message_id, mail.recipient, error)
    # A delivered reset link must not sit in the database for anyone who reads it later.
    mail.body = ""
    db.session.commit()


def _is_permanent(error: Exception) -> bool:
    """True for the server's 5xx answers (bad address, refused message): retrying cannot help."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(500 <= code < 600 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and 500 <= error.smtp_code < 600


def _message(mail: OutgoingMail) -> EmailMessage:
    """The email as sent; the same headers on every attempt, so a duplicate is recognisable."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = mail.recipient
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(mail.created_at)
    message["Message-ID"] = mail.message_id
    message.set_content(mail.body)
    return message


def _transmit(message: EmailMessage) -> Path | None:
    """Hand the message to the SMTP server; returns the .eml path when written to disk instead."""
    config = current_app.config
    if config.get("MAIL_SERVER"):
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=SMTP_TIMEOUT) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            smtp.send_message(message)
        return None
    folder = Path(current_app.instance_path) / "mail"
    folder.mkdir(parents=True, exist_ok=True)
    # Named after the Message-ID: writing the same email again replaces the file.
    path = folder / f"{message['Message-ID'].strip('<>').partition('@')[0]}.eml"
    path.write_bytes(bytes(message))
    current_app.logger.warning("Email to %s written to %s (no MAIL_SERVER configured)", message["To"], path)
    return path


@jobs.periodic_task(crontab(minute="*"))
def sweep_outbox() -> None:
    """Every minute: hand stalled emails to new jobs and forget long-finished ones."""
    redeliver_stalled_mail()


def redeliver_stalled_mail(now: datetime | None = None) -> int:
    """Give every undelivered email whose lease has ended to a new delivery job; returns how many."""
    now = now or utcnow()
    stalled = db.session.scalars(
        select(OutgoingMail.message_id)
        .where(OutgoingMail.sent_at.is_(None), OutgoingMail.failed_at.is_(None), OutgoingMail.lease_until < now)
        .order_by(OutgoingMail.lease_until)
        .limit(SWEEP_BATCH)
    ).all()
    db.session.commit()
    handed = 0
    for message_id in stalled:
        job = _delivery_job(message_id)
        # Compare-and-set on the ended lease: of two sweepers, or a sweeper and a late retry, one
        # takes the email.
        taken = db.session.execute(
            update(OutgoingMail)
            .where(
                OutgoingMail.message_id == message_id,
                OutgoingMail.sent_at.is_(None),
                OutgoingMail.failed_at.is_(None),
                OutgoingMail.lease_until < now,
            )
            .values(leased_by=job.id, lease_until=now + LEASE)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        if taken == 1:
            jobs.enqueue(job)
            handed += 1
    db.session.execute(
        delete(OutgoingMail).where(
            or_(OutgoingMail.sent_at < now - KEEP_FINISHED, OutgoingMail.failed_at < now - KEEP_FINISHED)
        )
    )
    db.session.commit()
    return handed
