"""Run service calls at the same moment from many threads, each with its own app context and
database session (a connection of its own), as concurrent requests would."""
from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from partner_portal.extensions import db

OK = "ok"


def race(app, calls: list[Callable[[], Callable[[], object]]], refusals: tuple[type[Exception], ...]) -> list[str]:
    """For each call: load (the call itself, like a view before its service), commit, wait for the
    others, then act (the function the call returned). Returns OK or the refusal's message per call;
    any other exception fails the test."""
    barrier = threading.Barrier(len(calls))

    def attempt(call) -> str:
        with app.app_context():
            try:
                act = call()
                db.session.commit()  # start from a clean transaction, like a request after its loads
                barrier.wait(timeout=30)
                act()
                return OK
            except refusals as refused:
                return str(refused)
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(attempt, calls))


def requests_at_once(calls: list[tuple]) -> list:
    """Send every (PortalSession, method, path, data) at the same moment, each from its own thread;
    return the responses in order (tests/live.py)."""
    # Each session's CSRF token first, one session at a time: a session shared by two racing calls
    # (two requests from one tab) would otherwise fetch it twice at once, each answer starting its
    # own token, and one of the two would no longer match the cookie (a 400 that is not the race
    # being tested).
    for web in {id(call[0]): call[0] for call in calls}.values():
        if any(call[0] is web and call[1].upper() not in {"GET", "HEAD", "OPTIONS"} for call in calls):
            web.csrf_token()
    barrier = threading.Barrier(len(calls))

    def send(call):
        web, method, path, data = call
        barrier.wait(timeout=30)
        return web.request(method, path, data)

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(send, calls))
