"""Start two app servers (gunicorn, several sync workers each) on two loopback ports against one
PostgreSQL database and one Redis, as two hosts behind a load balancer would run (docs/deploy.md).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/portal REDIS_URL=redis://127.0.0.1:6379/0 \\
    SECRET_KEY=... .venv/bin/python deploy/two_app_servers.py --ports 8001,8002 --workers 3

Both servers get the same settings (the same SECRET_KEY above all, or neither accepts the other's
cookies). The first applies migrations (serialised by an advisory lock); Ctrl-C stops both.
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUIRED = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")


def start(port: int, workers: int, env: dict[str, str]) -> subprocess.Popen:
    """One gunicorn serving the portal on 127.0.0.1:`port`."""
    return subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", str(workers), "--worker-class", "sync",
                             "--bind", f"127.0.0.1:{port}", "app:app"], cwd=ROOT, env=env)


def wait_until_up(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    """Poll Sign in until the server answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"The server on port {port} exited with {process.returncode}.")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/sign-in", timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)  # polling a starting server
    sys.exit(f"The server on port {port} did not answer within {timeout:.0f} s.")


def main() -> None:
    """Check the settings, start both servers, wait for Ctrl-C (or SIGTERM), stop them."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ports", default="8001,8002")
    parser.add_argument("--workers", type=int, default=3)
    args = parser.parse_args()
    missing = [name for name in REQUIRED if not os.environ.get(name)]
    if missing:
        sys.exit(f"Set {', '.join(missing)}: both servers must share the database, Redis and the key.")
    env = {**os.environ, "PORTAL_DEMO": os.environ.get("PORTAL_DEMO", "0")}
    ports = [int(port) for port in args.ports.split(",")]
    servers = []
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        for port in ports:
            servers.append(start(port, args.workers, env))
            wait_until_up(port, servers[-1])
        print("Serving on " + " and ".join(f"http://127.0.0.1:{port}" for port in ports) + "; Ctrl-C stops both.",
              flush=True)
        while all(server.poll() is None for server in servers):
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
