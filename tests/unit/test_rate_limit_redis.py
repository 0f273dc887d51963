"""With REDIS_URL set, sign-in limits live in Redis, so every worker shares them."""
from __future__ import annotations

import uuid

import pytest
import redis

from partner_portal import create_app
from partner_portal.extensions import db, limiter

from ..conftest import CSRFClient, make_test_config

REDIS_URL = "redis://127.0.0.1:6379/15"


def _redis_or_skip() -> redis.Redis:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    return client


def test_two_apps_share_the_sign_in_limit_through_redis(app, tmp_path):
    """Two app instances (as two gunicorn workers would be) count attempts together."""
    server = _redis_or_skip()
    # A client address of its own (a documentation range, only ever a WSGI environ value)
    # keeps this test's counters apart from anything else in Redis.
    address = f"198.51.100.{uuid.uuid4().int % 250 + 1}"
    prefix = f"/{address}/"
    config = {**make_test_config(tmp_path, app.config["SQLALCHEMY_DATABASE_URI"]),
              "RATELIMIT_STORAGE_URI": REDIS_URL, "SIGN_IN_RATE_LIMIT": "3 per minute"}
    workers = []
    try:
        workers = [create_app(config), create_app(config)]
        statuses = []
        for attempt in range(4):
            worker = workers[attempt % 2]
            worker.test_client_class = CSRFClient
            statuses.append(worker.test_client().post(
                "/sign-in", data={"email": "nobody@example.org", "password": "wrong"},
                environ_base={"REMOTE_ADDR": address}).status_code)
        assert statuses == [422, 422, 422, 429]
        keys = [key.decode() for key in server.scan_iter("*")]
        assert any(prefix in key for key in keys), keys
    finally:
        for key in server.scan_iter(f"*{prefix}*"):
            server.delete(key)
        for worker in workers:  # close their database connections now, not at garbage collection
            with worker.app_context():
                db.engine.dispose()
        # The limiter is one object: bind it back to the session's app and its memory storage.
        limiter.init_app(app)
