"""Notifications written by commands: the licensing rules (run from cron), operator
announcements, and retention.

The rules are idempotent: each fact they report carries a `dedupe_key` (unique in the
database), so a second run, or two runs at once, add nothing. Keys:
- `trial-ending:<entitlement>:<end date>` and `entitlement-expiring:<entitlement>:<end date>`:
  an extended end date is a new fact, reported again when it comes near;
- `over-assigned:<organization>:<service>`: reported once while the notification exists; once
  retention deletes it (90 days), a customer still above its purchase hears about it again.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, delete, insert, literal, or_, select
from sqlalchemy.exc import IntegrityError

from ..database import SQLITE_IMMEDIATE
from ..extensions import db
from ..licensing.math import EXPIRY_WARNING_DAYS, EntitlementFigures, days_until, expires_soon, summarize_services
from ..models import Entitlement, Notification, NotificationSource, Organization, Service, Severity, utcnow
from . import email
from .messages import english, on, stored_message
from .queries import safe_link
from .services import NotificationError, portal_path

# A trial gets its warning this many days (today included) before it ends.
TRIAL_ENDING_DAYS = 14
# An entitlement this close to its end is a warning rather than news.
EXPIRY_URGENT_DAYS = 30
KEY_CHUNK = 500


@dataclass
class GenerateReport:
    """How many notifications a run created, per rule."""

    created: dict[NotificationSource, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def total(self) -> int:
        """All notifications created."""
        return sum(self.created.values())


def _trial_and_expiry_facts(today: date) -> list[dict]:
    """Trials ending within TRIAL_ENDING_DAYS and paid entitlements ending within EXPIRY_WARNING_DAYS."""
    horizon = today + timedelta(days=max(TRIAL_ENDING_DAYS, EXPIRY_WARNING_DAYS))
    rows = db.session.execute(
        select(Entitlement.id, Entitlement.organization_id, Entitlement.is_trial, Entitlement.end_date, Service.name)
        .join(Service, Service.code == Entitlement.service_code)
        .where(
            Entitlement.start_date.is_not(None),
            Entitlement.start_date <= today,
            Entitlement.end_date >= today,
            Entitlement.end_date <= horizon,
        )
    ).all()
    link = portal_path("licensing.own_summary")
    facts = []
    for ent_id, org_id, is_trial, end, service in rows:
        days = days_until(end, today)
        if is_trial and expires_soon(end, today, TRIAL_ENDING_DAYS):
            source, severity, key = NotificationSource.TRIAL_ENDING, Severity.WARNING, "trial-ending"
            title = _countdown(
                days,
                stored_message("Your %(service)s trial ends today", service=service),
                stored_message("Your %(service)s trial ends tomorrow", service=service),
                stored_message("Your %(service)s trial ends in %(days)s days", service=service, days=days),
            )
            body = stored_message(
                "The %(service)s trial ends on %(date)s. Buy the service before then to keep using it.",
                service=service,
                date=on(end),
            )
        elif not is_trial and expires_soon(end, today):
            source, key = NotificationSource.ENTITLEMENT_EXPIRING, "entitlement-expiring"
            severity = Severity.WARNING if days <= EXPIRY_URGENT_DAYS else Severity.INFO
            title = _countdown(
                days,
                stored_message("%(service)s expires today", service=service),
                stored_message("%(service)s expires tomorrow", service=service),
                stored_message("%(service)s expires in %(days)s days", service=service, days=days),
            )
            body = stored_message(
                "Your %(service)s entitlement ends on %(date)s. Renew it to keep your licenses.",
                service=service,
                date=on(end),
            )
        else:
            continue
        facts.append(
            _fact(
                organization_id=org_id,
                source=source,
                severity=severity,
                dedupe_key=f"{key}:{ent_id}:{end.isoformat()}",
                link=link,
                title=title,
                body=body,
            )
        )
    return facts


def _countdown(days: int, today: dict, tomorrow: dict, later: dict) -> dict:
    """The title for an end `days` away: the messages are whole sentences each (word order)."""
    return today if days == 0 else tomorrow if days == 1 else later


def _fact(title: dict, body: dict, **columns) -> dict:
    """A notification row to insert: its message, and its English title and body."""
    return {
        **columns,
        "title": english(title)[:200],
        "body": english(body),
        "message": {"title": title, "body": body},
    }


def _over_assigned_facts(today: date) -> list[dict]:
    """Services whose assigned licenses exceed the purchased ones, per customer (one pool per service)."""
    rows = db.session.execute(
        select(Entitlement, Service.name)
        .join(Service, Service.code == Entitlement.service_code)
        .where(
            Service.is_bandwidth.is_(False),
            Entitlement.is_trial.is_(False),
            Entitlement.start_date <= today,
            or_(Entitlement.end_date.is_(None), Entitlement.end_date >= today),
        )
    ).all()
    figures: dict[int, list[EntitlementFigures]] = defaultdict(list)
    names = {}
    for ent, name in rows:
        names[ent.service_code] = name
        figures[ent.organization_id].append(
            EntitlementFigures(
                entitlement_id=ent.id,
                service_code=ent.service_code,
                license_count=ent.license_count,
                start_date=ent.start_date,
                end_date=ent.end_date,
                commit_model=ent.commit_model.value,
                assigned=ent.licenses_assigned,
            )
        )
    link = portal_path("licensing.own_summary")
    facts = []
    for org_id, org_figures in figures.items():
        for summary in summarize_services(org_figures, today):
            if summary.overage > 0:
                name = names[summary.service_code]
                facts.append(
                    _fact(
                        organization_id=org_id,
                        source=NotificationSource.OVER_ASSIGNED,
                        severity=Severity.WARNING,
                        dedupe_key=f"over-assigned:{org_id}:{summary.service_code}",
                        link=link,
                        title=stored_message(
                            "%(service)s: %(assigned)s licenses assigned, %(purchased)s purchased",
                            service=name,
                            assigned=summary.assigned,
                            purchased=summary.purchased,
                        ),
                        body=stored_message(
                            "%(overage)s more %(service)s licenses are assigned than were purchased. Buy more "
                            "licenses or remove assignments; usage above the purchase may be billed as overage.",
                            overage=summary.overage,
                            service=name,
                        ),
                    )
                )
    return facts


def _new_facts(facts: list[dict]) -> list[dict]:
    """The facts no notification reports yet (by dedupe key)."""
    keys = [fact["dedupe_key"] for fact in facts]
    known: set[str] = set()
    for start in range(0, len(keys), KEY_CHUNK):
        known.update(
            db.session.scalars(
                select(Notification.dedupe_key).where(Notification.dedupe_key.in_(keys[start : start + KEY_CHUNK]))
            )
        )
    return [fact for fact in facts if fact["dedupe_key"] not in known]


def _begin_writing() -> None:
    """Start a transaction that will write after reading: on SQLite it takes the write lock at
    BEGIN, since a deferred one fails when another connection writes between its read and write."""
    db.session.commit()
    db.session.connection(execution_options={SQLITE_IMMEDIATE: True})


def write_rule_notifications(today: date) -> GenerateReport:
    """Add (uncommitted) the notifications the licensing rules call for today that don't exist yet."""
    new = _new_facts(_trial_and_expiry_facts(today) + _over_assigned_facts(today))
    if new:
        now = utcnow()
        db.session.execute(insert(Notification), [{**fact, "created_at": now} for fact in new])
    report = GenerateReport()
    for fact in new:
        report.created[fact["source"]] += 1
    return report


def generate(today: date) -> GenerateReport:
    """Write and commit the notifications the licensing rules call for today; their email copies
    go out after the commit."""
    for attempt in range(2):
        try:
            _begin_writing()
            report = write_rule_notifications(today)
            if report.total:
                email.send_copies_after_commit()
            db.session.commit()
            return report
        except IntegrityError:
            # Another run wrote some of the same facts between our check and our insert: look again.
            db.session.rollback()
            if attempt:
                raise
    raise AssertionError("unreachable")


def write_announcement(title: str, body: str, severity: Severity, link: str, orgid: str | None) -> int:
    """Add (uncommitted) an operator's announcement to one organization (by ORGID) or, without
    one, to every organization; returns how many notifications it wrote. Raises NotificationError."""
    title, body, link = title.strip(), body.strip(), link.strip()
    if not title or len(title) > 200:
        raise NotificationError("Give the announcement a title of at most 200 characters.")
    if link and safe_link(link) is None:
        raise NotificationError("The link must be a portal path (/…) or an http(s) URL.")
    values = {
        "severity": severity,
        "title": title,
        "body": body,
        "link": link,
        "source": NotificationSource.ANNOUNCEMENT,
        "created_at": utcnow(),
    }
    if orgid is not None:
        org_id = db.session.scalar(select(Organization.id).where(Organization.orgid == orgid))
        if org_id is None:
            raise NotificationError(f"No organization has ORGID {orgid}.")
        db.session.execute(insert(Notification).values(organization_id=org_id, broadcast=False, **values))
        return 1
    columns = {"organization_id": Organization.id, "broadcast": literal(True, Notification.broadcast.type)}
    columns.update({name: literal(value, getattr(Notification, name).type) for name, value in values.items()})
    return len(
        db.session.execute(
            insert(Notification).from_select(list(columns), select(*columns.values())).returning(Notification.id)
        ).all()
    )


def announce(title: str, body: str, severity: Severity, link: str, orgid: str | None) -> int:
    """Write and commit an operator's announcement (see write_announcement); its email copies go
    out after the commit. Raises NotificationError (nothing written)."""
    _begin_writing()
    written = write_announcement(title, body, severity, link, orgid)
    email.send_copies_after_commit()
    db.session.commit()
    return written


def purge(older_than_days: int, batch_size: int, now=None) -> int:
    """Delete notifications created more than `older_than_days` ago (with everyone's read,
    dismissed and triage state), `batch_size` per transaction; returns how many."""
    cutoff = (now or utcnow()) - timedelta(days=older_than_days)
    deleted = 0
    while True:
        batch = (
            select(Notification.id).where(Notification.created_at < cutoff).order_by(Notification.id).limit(batch_size)
        )
        count = db.session.execute(
            delete(Notification)
            .where(and_(Notification.id.in_(batch.scalar_subquery())))
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        deleted += count
        if count < batch_size:
            return deleted
