"""Administrator changes racing through the real server (gunicorn, several workers, a connection
per request) on SQLite and PostgreSQL: the invariants hold and no request answers 5xx."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from partner_portal.extensions import db
from partner_portal.models import Access, Administrator, AdministratorInvitation, User

from ..conftest import TEST_PASSWORD
from ..factories import make_admin, make_org

pytestmark = [pytest.mark.committing, pytest.mark.concurrency]


def _at_once(posts):
    """Send every (session, path, data) POST at the same moment; return the responses."""
    barrier = threading.Barrier(len(posts))

    def send(post):
        web, path, data = post
        barrier.wait(timeout=30)
        return web.post(path, data)

    with ThreadPoolExecutor(max_workers=len(posts)) as pool:
        return list(pool.map(send, posts))


def _signed_in(portal_server, user: User):
    web = portal_server.session()
    web.sign_in(user.email, TEST_PASSWORD)
    return web


def _admin_id(user: User) -> int:
    return db.session.scalar(select(Administrator.id).where(Administrator.user_id == user.id))


def test_administrators_demoting_each_other_leave_one_full_access(portal_server):
    orgs = []
    for _ in range(6):
        org = make_org()
        orgs.append((org.id, make_admin(org), make_admin(org)))
    db.session.commit()
    posts = []
    for _org_id, first, second in orgs:
        posts.append((_signed_in(portal_server, first), f"/account/administrators/{_admin_id(second)}/access",
                      {"access": "custom"}))
        posts.append((_signed_in(portal_server, second), f"/account/administrators/{_admin_id(first)}/access",
                      {"access": "custom"}))

    answers = _at_once(posts)

    # In each organization one demotion wins; the other finds its author demoted already: refused
    # by the guard (403) or, when it got past the guard first, by the service under the lock (422).
    statuses = sorted(a.status for a in answers)
    assert statuses.count(303) == 6 and set(statuses) <= {303, 403, 422}, (statuses, portal_server.log()[-3000:])
    assert all("Your access changed" in a.text for a in answers if a.status == 422)
    db.session.rollback()
    for org_id, *_ in orgs:
        assert db.session.scalar(select(func.count()).select_from(Administrator).where(
            Administrator.organization_id == org_id, Administrator.access == Access.FULL)) == 1


def test_one_new_email_added_in_many_organizations_at_once(portal_server):
    admins = []
    for _ in range(8):
        admins.append(make_admin(make_org()))
    db.session.commit()
    posts = [(_signed_in(portal_server, user), "/account/administrators/new",
              {"email": "shared.person@example.org", "access": "full"}) for user in admins]

    answers = _at_once(posts)

    assert [a.status for a in answers] == [303] * 8, portal_server.log()[-3000:]
    db.session.rollback()
    person = db.session.scalar(select(User.id).where(User.email == "shared.person@example.org"))
    admins_made = db.session.scalar(select(func.count()).select_from(Administrator).where(
        Administrator.user_id == person))
    invited = db.session.scalar(select(func.count()).select_from(AdministratorInvitation).where(
        AdministratorInvitation.user_id == person))
    assert (admins_made, invited) == (1, 7)


def test_many_simultaneous_writes_all_succeed(portal_server):
    """On SQLite a write that started as a read used to fail at once with "database is locked"
    when another worker had written in between; every write now waits for its turn."""
    admins = [make_admin(make_org()) for _ in range(12)]
    db.session.commit()
    posts = [(_signed_in(portal_server, user), "/account/administrators/new",
              {"email": f"colleague{n}@example.org", "access": "custom", "name": f"Colleague {n}"})
             for n, user in enumerate(admins)]

    answers = _at_once(posts)

    assert [a.status for a in answers] == [303] * 12, portal_server.log()[-3000:]
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(User).where(User.email.like("colleague%"))) == 12
