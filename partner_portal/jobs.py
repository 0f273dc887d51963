"""Background jobs on huey: SQLite storage and a consumer thread in the app by default, Redis and
`flask --app app worker` processes in production.

huey hands a job to exactly one consumer, but its dequeue is also the acknowledgement: a worker
killed mid-job loses that job. Jobs that must not be lost keep their own durable record and a
sweeper that enqueues them again (see mail.py); every job must therefore tolerate running twice.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from functools import wraps
from urllib.parse import urlsplit

from flask import Flask, current_app, has_app_context
from flask.helpers import get_debug_flag
from huey import Huey
from huey.api import Task
from huey.consumer import Consumer
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage
from sqlalchemy import event
from sqlalchemy.orm import Session

huey = Huey("partner-portal", results=False, storage_class=MemoryStorage)

_AFTER_COMMIT = "jobs_after_commit"
_state = {"app": None, "consumer": None, "pid": None}
_state_lock = threading.Lock()


def init_app(app: Flask) -> None:
    """Point the queue at the app's storage (JOBS_URL), or run jobs inline (JOBS_IMMEDIATE, tests)."""
    url = app.config["JOBS_URL"]
    if url.startswith(("redis://", "rediss://", "unix://")):
        storage_class, kwargs = RedisStorage, {"url": url}
    elif url.startswith("sqlite:///"):
        storage_class, kwargs = SqliteStorage, {"filename": url[len("sqlite:///") :]}
    else:
        raise ValueError(f"JOBS_URL must be a redis:// or sqlite:/// URL, not {url!r}")
    # One huey object per process (tasks register on it at import), configured by the latest app,
    # as Flask-Limiter's limiter is.
    huey.immediate = app.config["JOBS_IMMEDIATE"]
    huey.storage_class, huey.storage_kwargs = storage_class, kwargs
    huey.storage = huey.create_storage()
    _state["app"] = app


def _app() -> Flask:
    """The app a job runs in: the enqueuing one inline, else the one whose consumer runs it."""
    if has_app_context():
        return current_app._get_current_object()
    return _state["app"]


def _in_app_context(func):
    """Run `func` inside a fresh app context: its own database session and `g`, as a request has."""

    @wraps(func)
    def run(*args, **kwargs):
        with _app().app_context():
            return func(*args, **kwargs)

    return run


def task(**options):
    """Declare a huey task that runs inside an app context."""
    return lambda func: huey.task(**options)(_in_app_context(func))


def periodic_task(schedule, **options):
    """Declare a huey periodic task (every consumer's scheduler enqueues it) inside an app context."""
    return lambda func: huey.periodic_task(schedule, **options)(_in_app_context(func))


def enqueue(job: Task) -> bool:
    """Put `job` on the queue; False (logged) when the queue can't be reached, never an error.

    A request that enqueues must answer the same whether or not the queue is up; jobs that must
    not be lost keep a durable record that their sweeper enqueues again.
    """
    try:
        huey.enqueue(job)
    except Exception:
        current_app.logger.exception("Could not enqueue %s", job)
        return False
    return True


def enqueue_after_commit(job: Task) -> None:
    """Enqueue `job` once the current database transaction commits; drop it if it rolls back."""
    from .extensions import db

    db.session.info.setdefault(_AFTER_COMMIT, []).append(job)


@event.listens_for(Session, "after_commit")
def _enqueue_committed(session: Session) -> None:
    for job in session.info.pop(_AFTER_COMMIT, []):
        enqueue(job)


@event.listens_for(Session, "after_transaction_end")
def _forget_uncommitted(session: Session, transaction) -> None:
    # Fires after after_commit, so anything left belongs to a transaction that rolled back.
    if transaction.parent is None:
        session.info.pop(_AFTER_COMMIT, None)


def site_url(site_root: str, endpoint: str, **values) -> str:
    """An absolute URL under `site_root` (a request's url_root) built outside any request."""
    parts = urlsplit(site_root)
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme)
    return adapter.build(endpoint, values, force_external=True)


def _consumer(app: Flask, threads: int) -> Consumer:
    """A huey consumer of `threads` worker threads plus its scheduler (retries, periodic jobs)."""
    if huey.immediate:
        raise RuntimeError("JOBS_IMMEDIATE runs jobs inline; there is nothing for a consumer to do.")
    _state["app"] = app
    return huey.create_consumer(workers=threads, worker_type="thread", periodic=True)


def _reloader_watcher() -> bool:
    """True in the process of `flask run --debug` that only watches files and restarts the server."""
    reloading = "--reload" in sys.argv or (get_debug_flag() and "--no-reload" not in sys.argv)
    return reloading and not os.environ.get("WERKZEUG_RUN_MAIN")


def start_in_process_consumer(app: Flask) -> bool:
    """Start one consumer thread in this process (once); False when one already runs here, or
    when this is the reloader's watcher (its child serves, with the current code)."""
    with _state_lock:
        if _state["pid"] == os.getpid() or _reloader_watcher():
            return False
        consumer = _consumer(app, threads=1)
        # Start the scheduler and worker threads without Consumer.start(): it would install its
        # own SIGINT/SIGTERM handlers over the web server's.
        consumer.scheduler.start()
        for _, worker in consumer.worker_threads:
            worker.start()
        _state["consumer"], _state["pid"] = consumer, os.getpid()
    atexit.register(stop_in_process_consumer)
    app.logger.info("Background jobs: consumer thread started (pid %s).", os.getpid())
    return True


def stop_in_process_consumer() -> None:
    """Stop this process's consumer thread, letting a running job finish."""
    with _state_lock:
        consumer, _state["consumer"], _state["pid"] = _state["consumer"], None, None
    if consumer is not None:
        consumer.stop(graceful=True)


def run_worker(app: Flask, threads: int) -> None:
    """Run a consumer in the foreground until SIGINT (finish jobs) or SIGTERM (stop now)."""
    _consumer(app, threads).run()


def _after_fork_in_child() -> None:
    # A forked web worker (gunicorn --preload) must not share the parent's SQLite handle or a lock
    # one of its threads held, and the parent's consumer threads did not come along.
    global _state_lock
    _state_lock = threading.Lock()
    huey.storage = huey.create_storage()
    _state["consumer"], _state["pid"] = None, None


os.register_at_fork(after_in_child=_after_fork_in_child)
