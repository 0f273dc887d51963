"""With REDIS_URL set, sign-in limits live in Redis, so every worker shares them."""
from __future__ import annotations

import uuid

import pytest
import redis

REDIS_URL = "redis://127.0.0.1:6379/15"


def _redis_or_skip() -> redis.Redis:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    return client


def test_two_apps_share_the_sign_in_limit_through_redis(make_app):
    """Two app instances (as two gunicorn workers would be) count failed attempts together."""
    server = _redis_or_skip()
    # A key prefix of this run's own keeps its counters apart from anything else in Redis
    # (other runs of this suite included), and a documentation-range address to count under.
    prefix = f"portal-test-{uuid.uuid4().hex}"
    address = f"198.51.100.{uuid.uuid4().int % 250 + 1}"
    config = {"RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": prefix,
              "SIGN_IN_RATE_LIMIT": "3 per minute"}
    try:
        workers = [make_app(**config), make_app(**config)]
        statuses = [
            workers[attempt % 2].test_client().post(
                "/sign-in", data={"email": f"nobody{attempt}@example.org", "password": "wrong"},
                environ_base={"REMOTE_ADDR": address}).status_code
            for attempt in range(4)
        ]
        assert statuses == [422, 422, 422, 429]
        keys = [key.decode() for key in server.scan_iter(f"*{prefix}*")]
        assert any(f"/{address}/" in key for key in keys), keys
    finally:
        for key in server.scan_iter(f"*{prefix}*"):
            server.delete(key)
