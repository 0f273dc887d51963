"""Administrator changes racing each other on the real database (SQLite file or PostgreSQL),
with real commits from many threads: the invariants hold and nothing fails unexpectedly."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from partner_portal.accounts.services import AccountError, add_administrator, change_access
from partner_portal.extensions import db
from partner_portal.models import Access, Administrator, AdministratorInvitation, Organization, User

from ..factories import make_admin, make_org
from ..races import OK, race

pytestmark = [pytest.mark.committing, pytest.mark.concurrency]


def test_two_administrators_demoting_each_other_leave_one_full_access(app, committed):
    pairs = []
    for _ in range(10):
        org = make_org()
        first, second = make_admin(org), make_admin(org)
        ids = [db.session.scalar(select(Administrator.id).where(Administrator.user_id == u.id)) for u in (first, second)]
        pairs.append((org.id, *ids))
    db.session.commit()

    def demote(target_id: int, actor_id: int):
        def load():
            target = db.session.get(Administrator, target_id)
            actor = db.session.get(Administrator, actor_id)
            return lambda: change_access(target, Access.CUSTOM, [], actor)
        return load

    calls = [demote(a, b) for _, a, b in pairs] + [demote(b, a) for _, a, b in pairs]
    outcomes = race(app, calls, (AccountError,))

    assert outcomes.count(OK) == 10, outcomes
    db.session.rollback()
    for org_id, *_ in pairs:
        full = db.session.scalar(select(func.count()).select_from(Administrator).where(
            Administrator.organization_id == org_id, Administrator.access == Access.FULL))
        assert full == 1


def test_the_same_new_email_added_in_ten_organizations_at_once(app, committed):
    actors = []
    for _ in range(10):
        org = make_org()
        user = make_admin(org)
        actors.append((org.id, db.session.scalar(select(Administrator.id).where(Administrator.user_id == user.id))))
    db.session.commit()

    def add(org_id: int, actor_id: int):
        def load():
            org, actor = db.session.get(Organization, org_id), db.session.get(Administrator, actor_id)
            return lambda: add_administrator(org, "new.person@example.org", "New Person", Access.FULL, [], actor)
        return load

    outcomes = race(app, [add(*pair) for pair in actors], (AccountError,))

    assert outcomes == [OK] * 10, outcomes
    db.session.rollback()
    person = db.session.scalar(select(User).where(User.email == "new.person@example.org"))
    admins = db.session.scalar(select(func.count()).select_from(Administrator).where(Administrator.user_id == person.id))
    invitations = db.session.scalar(select(func.count()).select_from(AdministratorInvitation).where(
        AdministratorInvitation.user_id == person.id))
    # One organization created the person; the others found an existing person and invited them.
    assert (admins, invitations) == (1, 9)
