"""Administrator changes racing each other on the real database (SQLite file or PostgreSQL),
with real commits from many threads: the invariants hold and nothing fails unexpectedly."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from partner_portal.accounts.services import AccountError, add_administrator, change_access
from partner_portal.extensions import db
from partner_portal.models import Access, Administrator, AdministratorInvitation, Organization, User

from ..factories import make_admin, make_org

pytestmark = [pytest.mark.committing, pytest.mark.concurrency]


def _run_at_once(app, calls) -> list[str]:
    """Run every call in its own thread and app context at the same moment; return outcomes."""
    barrier = threading.Barrier(len(calls))

    def attempt(call) -> str:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                call()
                return "done"
            except AccountError as refused:
                return str(refused)
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(attempt, calls))


def test_two_administrators_demoting_each_other_leave_one_full_access(app, committed):
    pairs = []
    for _ in range(10):
        org = make_org()
        first, second = make_admin(org), make_admin(org)
        ids = [db.session.scalar(select(Administrator.id).where(Administrator.user_id == u.id)) for u in (first, second)]
        pairs.append((org.id, *ids))
    db.session.commit()

    def demote(target_id: int, actor_id: int):
        def call():
            target = db.session.get(Administrator, target_id)
            actor = db.session.get(Administrator, actor_id)
            change_access(target, Access.CUSTOM, [], actor)
        return call

    calls = [demote(a, b) for _, a, b in pairs] + [demote(b, a) for _, a, b in pairs]
    outcomes = _run_at_once(app, calls)

    assert outcomes.count("done") == 10, outcomes
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
        def call():
            add_administrator(db.session.get(Organization, org_id), "new.person@example.org", "New Person",
                              Access.FULL, [], db.session.get(Administrator, actor_id))
        return call

    outcomes = _run_at_once(app, [add(*pair) for pair in actors])

    assert outcomes == ["done"] * 10, outcomes
    db.session.rollback()
    person = db.session.scalar(select(User).where(User.email == "new.person@example.org"))
    admins = db.session.scalar(select(func.count()).select_from(Administrator).where(Administrator.user_id == person.id))
    invitations = db.session.scalar(select(func.count()).select_from(AdministratorInvitation).where(
        AdministratorInvitation.user_id == person.id))
    # One organization created the person; the others found an existing person and invited them.
    assert (admins, invitations) == (1, 9)
