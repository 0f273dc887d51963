"""Tags and bulk actions on the Customer Dashboard: each customer gets exactly the rule it would
get alone (the connection's removal is connections.services.end_connection), and every bulk
action is planned first (the preview) and then carried out from that plan."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlalchemy import delete, func, select

from ..connections.queries import connected_customer
from ..connections.services import end_connection
from ..extensions import db
from ..models import CustomerTag, Side, User
from ..web.i18n import gettext, lazy_gettext
from .queries import TAG_MAX_LENGTH, CustomerRow

# A customer carries at most this many tags of one partner.
MAX_TAGS_PER_CUSTOMER = 20

EXPORT = "export"
ADD_TAG = "add-tag"
REMOVE_TAG = "remove-tag"
REMOVE = "remove"
ACTIONS = {
    EXPORT: lazy_gettext("Export selection (CSV)"),
    ADD_TAG: lazy_gettext("Add tag"),
    REMOVE_TAG: lazy_gettext("Remove tag"),
    REMOVE: lazy_gettext("Remove Customer Connection"),
}
# The actions that change something: they need full access, a preview and a confirmation.
CHANGES = (ADD_TAG, REMOVE_TAG, REMOVE)


class TagRefused(ValueError):
    """A tag label that cannot be used, with the message to show next to the field."""


def clean_tag(text: str) -> str:
    """The label as stored: trimmed, inner spaces collapsed; raises TagRefused when empty, too
    long, or holding control characters."""
    label = " ".join((text or "").split())
    if not label:
        raise TagRefused(gettext("Enter a tag."))
    if len(label) > TAG_MAX_LENGTH:
        raise TagRefused(gettext("A tag has at most %(max)d characters.", max=TAG_MAX_LENGTH))
    if any(unicodedata.category(ch).startswith("C") for ch in label):
        raise TagRefused(gettext("A tag cannot hold control characters."))
    return label


@dataclass(frozen=True)
class PlannedChange:
    """What a bulk action will do to one customer (or why it will not)."""

    orgid: str
    name: str
    change: str
    will_change: bool


@dataclass(frozen=True)
class Outcome:
    """What a bulk action did to one customer."""

    orgid: str
    name: str
    ok: bool
    message: str


def _tag_counts(partner_id: int, customer_ids: list[int]) -> dict[int, int]:
    rows = db.session.execute(
        select(CustomerTag.customer_id, func.count())
        .where(CustomerTag.partner_id == partner_id, CustomerTag.customer_id.in_(customer_ids))
        .group_by(CustomerTag.customer_id)
    )
    return dict(rows.all())


def plan(action: str, rows: list[CustomerRow], label: str = "") -> list[PlannedChange]:
    """The preview: one line per selected customer saying exactly what the action changes."""
    planned = []
    for row in rows:
        has = label in row.tags
        if action == ADD_TAG:
            if has:
                planned.append(
                    PlannedChange(row.orgid, row.name, gettext("Already tagged “%(tag)s”: no change", tag=label), False)
                )
            elif len(row.tags) >= MAX_TAGS_PER_CUSTOMER:
                planned.append(
                    PlannedChange(
                        row.orgid,
                        row.name,
                        gettext("Has %(max)d tags already: no change", max=MAX_TAGS_PER_CUSTOMER),
                        False,
                    )
                )
            else:
                planned.append(PlannedChange(row.orgid, row.name, gettext("Tag “%(tag)s” added", tag=label), True))
        elif action == REMOVE_TAG:
            planned.append(
                PlannedChange(row.orgid, row.name, gettext("Tag “%(tag)s” removed", tag=label), True)
                if has
                else PlannedChange(row.orgid, row.name, gettext("Not tagged “%(tag)s”: no change", tag=label), False)
            )
        elif action == REMOVE:
            planned.append(
                PlannedChange(
                    row.orgid,
                    row.name,
                    gettext(
                        "Connection ends: the customer leaves your dashboard, "
                        "is told, and access granted through the connection ends"
                    ),
                    True,
                )
            )
    return planned


def add_tag(partner_id: int, orgid: str, label: str) -> Outcome:
    """Tag one connected customer (nothing when it has the tag already)."""
    found = connected_customer(partner_id, orgid)
    if found is None:
        return Outcome(orgid, orgid, False, gettext("Not connected to your organization any more"))
    customer = found[0]
    existing = db.session.scalar(
        select(CustomerTag.id).where(
            CustomerTag.partner_id == partner_id, CustomerTag.customer_id == customer.id, CustomerTag.label == label
        )
    )
    if existing:
        return Outcome(orgid, customer.name, True, gettext("Already tagged “%(tag)s”", tag=label))
    if _tag_counts(partner_id, [customer.id]).get(customer.id, 0) >= MAX_TAGS_PER_CUSTOMER:
        return Outcome(orgid, customer.name, False, gettext("Has %(max)d tags already", max=MAX_TAGS_PER_CUSTOMER))
    db.session.add(CustomerTag(partner_id=partner_id, customer_id=customer.id, label=label))
    db.session.flush()
    return Outcome(orgid, customer.name, True, gettext("Tagged “%(tag)s”", tag=label))


def remove_tag(partner_id: int, orgid: str, label: str) -> Outcome:
    """Take a tag off one customer of the partner (nothing when it does not have it)."""
    found = connected_customer(partner_id, orgid)
    if found is None:
        return Outcome(orgid, orgid, False, gettext("Not connected to your organization any more"))
    customer = found[0]
    gone = db.session.execute(
        delete(CustomerTag).where(
            CustomerTag.partner_id == partner_id, CustomerTag.customer_id == customer.id, CustomerTag.label == label
        )
    )
    return Outcome(
        orgid,
        customer.name,
        True,
        gettext("Tag “%(tag)s” removed", tag=label)
        if gone.rowcount
        else gettext("Was not tagged “%(tag)s”", tag=label),
    )


def remove_connection(partner_id: int, orgid: str, by: User) -> Outcome:
    """End one customer's connection exactly as Remove Customer Connection does for one."""
    found = connected_customer(partner_id, orgid)
    if found is None:
        return Outcome(orgid, orgid, False, gettext("Not connected to your organization any more"))
    customer, connection = found
    name = customer.name
    end_connection(connection, Side.PARTNER, by)
    return Outcome(orgid, name, True, gettext("Connection ended"))


def carry_out(action: str, partner_id: int, orgids: list[str], by: User, label: str = "") -> list[Outcome]:
    """Apply a confirmed bulk action to each customer in turn, each in its own transaction, so one
    customer's failure neither undoes nor stops the others."""
    outcomes = []
    for orgid in orgids:
        if action == ADD_TAG:
            outcome = add_tag(partner_id, orgid, label)
        elif action == REMOVE_TAG:
            outcome = remove_tag(partner_id, orgid, label)
        else:
            outcome = remove_connection(partner_id, orgid, by)
        if action != REMOVE:
            db.session.commit()
        outcomes.append(outcome)
    return outcomes
