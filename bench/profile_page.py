"""Where one page's time goes, in-process: the production app on the small data set, signed in as
the demo partner, one path requested in a loop under cProfile.

    .venv/bin/python bench/profile_page.py /customers                      # the dashboard
    .venv/bin/python bench/profile_page.py /customers --htmx customer-table --sort tottime
    .venv/bin/python bench/profile_page.py / --requests 400 --no-profile     # just the time per request
    .venv/bin/python bench/profile_page.py / --no-profile --kept             # a kept response's time

It builds the data set once into bench/.profile/ (delete the folder to rebuild) and prints the
mean time per request without the profiler, then the profile's top functions. A tool for finding
hot spots; the figures to compare are bench/suite.py's.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import dataset  # noqa: E402
from tests.live import server_env  # noqa: E402

WORK = ROOT / "bench" / ".profile"
TOKEN = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')


def _targets(url: str) -> dataset.Targets:
    """Build the small data set once; its targets are remembered beside it."""
    saved = WORK / "targets.txt"
    if saved.exists():
        return dataset.Targets(*[int(v) if v.isdigit() else v for v in saved.read_text().split("\n")])
    WORK.mkdir(exist_ok=True)
    targets = dataset.create(dataset.SIZES["small"], url, WORK / "build")
    saved.write_text("\n".join(str(v) for v in vars(targets).values()))
    return targets


BASE = "http://127.0.0.1"


def portal_client(signed_in: bool = True, config: dict | None = None, setup=None):
    """The production app on the small data set (built once into bench/.profile/), a test client
    of it signed in as the demo partner (unless `signed_in` is false), and the data set's targets.
    `setup(app)` runs before the first request (Flask refuses new routes after it)."""
    url = f"sqlite:///{WORK / 'small.sqlite'}"
    targets = _targets(url)
    os.environ.update(server_env(url, {"JOBS_IN_PROCESS": "0", "SIGN_IN_RATE_LIMIT": "1000000 per minute"}))
    from partner_portal import create_app

    app = create_app({"INSTANCE_PATH": str(WORK / "instance"), **(config or {})})
    if setup is not None:
        setup(app)
    client = app.test_client()
    if signed_in:
        form = client.get("/sign-in", base_url=BASE)
        token = TOKEN.search(form.data).group(1).decode()
        answer = client.post("/sign-in", base_url=BASE, headers={"Origin": BASE},
                             data={"email": targets.email, "password": targets.password, "csrf_token": token})
        assert answer.status_code == 303, answer.status_code
    return app, client, targets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", help="the path, with {orgid} and {entitlement} filled in from the data set")
    parser.add_argument("--htmx", metavar="TARGET", help="send it as htmx with this HX-Target")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--sort", default="cumulative", help="pstats sort key (cumulative, tottime…)")
    parser.add_argument("--top", type=int, default=45)
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--kept", action="store_true",
                        help="leave kept responses on (repeats are then answered without rendering)")
    parser.add_argument("--anonymous", action="store_true", help="do not sign in")
    parser.add_argument("--save", metavar="FILE", help="also write the profile to FILE (pstats)")
    args = parser.parse_args()

    # Rendered on every request unless --kept: a profile of a kept response shows nothing of the page.
    _app, client, targets = portal_client(signed_in=not args.anonymous, config={"RESPONSE_CACHE": args.kept})
    base = BASE
    path = args.path.format(orgid=targets.orgid, entitlement=targets.entitlement_id)
    headers = {"Accept-Encoding": "gzip"}
    if args.htmx:
        headers.update({"HX-Request": "true", "HX-Target": args.htmx})

    def run(count: int) -> None:
        for _ in range(count):
            response = client.get(path, base_url=base, headers=headers)
            response.get_data()
            response.close()  # as a server does: the app's iterable is closed after sending
            assert response.status_code == 200, (response.status_code, response.data[:300])

    run(20)  # warm: caches, compiled templates, statements
    started = time.perf_counter()
    run(args.requests)
    per_request = (time.perf_counter() - started) / args.requests * 1000
    print(f"{path}: {per_request:.2f} ms per request in-process ({args.requests} requests)")
    if args.no_profile:
        return
    profile = cProfile.Profile()
    profile.enable()
    run(args.requests)
    profile.disable()
    if args.save:
        profile.dump_stats(args.save)
    pstats.Stats(profile).sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
