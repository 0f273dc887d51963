"""What a request costs before and after its view, part by part, in-process: every before- and
after-request hook, the teardowns, the cookie session's opening and saving, and the signed-in
session's lookup (inside the first hook that asks for the user), timed around each call. The
rest is Flask, the view and its template.

    .venv/bin/python bench/request_cost.py                 # a bare signed-in view (the frame's floor)
    .venv/bin/python bench/request_cost.py /               # Home
    .venv/bin/python bench/request_cost.py /customers --requests 500
    .venv/bin/python bench/request_cost.py --anonymous     # the bare view, signed out

It adds one route to the app it measures, /_bench/bare: a view behind login_required rendering
a one-line template, the signed-in counterpart of bench/baseline.py's view. Figures are means
per request over --requests requests (after a warm-up), in microseconds; the machine's noise is
in them, so compare runs taken together.
"""
from __future__ import annotations

import argparse
import collections
import functools
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.profile_page import BASE, portal_client  # noqa: E402

BARE = "/_bench/bare"


def _timed(spent: collections.Counter, name: str, function):
    """`function`, adding the time of each call to spent[name]."""

    @functools.wraps(function)
    def timed(*args, **kwargs):
        started = time.perf_counter_ns()
        try:
            return function(*args, **kwargs)
        finally:
            spent[name] += time.perf_counter_ns() - started

    return timed


def _label(function) -> str:
    inner = getattr(function, "func", function)  # functools.partial
    owner = getattr(inner, "__self__", None)
    name = getattr(inner, "__qualname__", repr(inner))
    return f"{type(owner).__name__}.{inner.__name__}" if owner is not None else name


def instrument(app, spent: collections.Counter) -> None:
    """Wrap the app's hooks, its cookie session and the session-record lookup with timers."""
    for registry, kind in ((app.before_request_funcs, "before"), (app.after_request_funcs, "after"),
                           (app.teardown_request_funcs, "teardown")):
        for key, functions in registry.items():
            registry[key] = [_timed(spent, f"{kind}: {_label(f)}", f) for f in functions]
    app.teardown_appcontext_funcs[:] = [_timed(spent, f"teardown (app context): {_label(f)}", f)
                                        for f in app.teardown_appcontext_funcs]
    sessions = app.session_interface
    sessions.open_session = _timed(spent, "cookie session: open", sessions.open_session)
    sessions.save_session = _timed(spent, "cookie session: save", sessions.save_session)
    from partner_portal.auth import queries, services

    services.live_session = _timed(spent, "  of which the session record's query (live_session)", queries.live_session)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", nargs="?", default=BARE, help="the path ({orgid}, {entitlement} filled in)")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--anonymous", action="store_true", help="do not sign in")
    args = parser.parse_args()

    def add_bare_view(app) -> None:
        from partner_portal.web.guards import login_required

        template = app.jinja_env.from_string("<p>Hello {{ name }}</p>")

        def bare():
            """The signed-in counterpart of bench/baseline.py's view."""
            return template.render(name="partner")

        app.add_url_rule(BARE, "bench_bare", bare if args.anonymous else login_required(bare))

    # Kept responses off: this measures what a request costs when the app answers it.
    app, client, targets = portal_client(signed_in=not args.anonymous, setup=add_bare_view,
                                         config={"RESPONSE_CACHE": False})
    path = args.path.format(orgid=targets.orgid, entitlement=targets.entitlement_id)
    headers = {"Accept-Encoding": "gzip"}

    def run(count: int) -> None:
        for _ in range(count):
            response = client.get(path, base_url=BASE, headers=headers)
            response.get_data()
            assert response.status_code == 200, (path, response.status_code)

    spent: collections.Counter = collections.Counter()
    instrument(app, spent)
    run(200)  # warm: caches, compiled templates and statements
    spent.clear()
    started = time.perf_counter_ns()
    run(args.requests)
    total = (time.perf_counter_ns() - started) / args.requests / 1000
    print(f"{path}{' (signed out)' if args.anonymous else ''}: {total:,.0f} µs per request in-process "
          f"(test client, {args.requests:,} requests)")
    measured = 0.0
    for name, nanoseconds in spent.most_common():
        micro = nanoseconds / args.requests / 1000
        if not name.startswith("  "):
            measured += micro
        print(f"{micro:9.1f} µs  {name}")
    print(f"{total - measured:9.1f} µs  the rest: Flask, the test client, the view and its template")
    print(f"{baseline_cost(args.requests):9.1f} µs  for comparison, bench/baseline.py's bare app, all of it")


def baseline_cost(requests: int) -> float:
    """Microseconds per request of the baseline app (bench/baseline.py) through its test client."""
    from bench.baseline import create_app

    client = create_app().test_client()
    for _ in range(200):
        client.get("/", base_url=BASE).get_data()
    started = time.perf_counter_ns()
    for _ in range(requests):
        client.get("/", base_url=BASE).get_data()
    return (time.perf_counter_ns() - started) / requests / 1000


if __name__ == "__main__":
    main()
