"""The real portal under gunicorn, for tests that must see what production sees: streamed bodies
read after the view returned, several worker processes racing on the database, each request with
its own pooled connection and session (the suite's per-test rollback pins one connection and hides
exactly those bugs).

`start_portal()` serves the production factory (`create_app()` without TESTING) on a free loopback
port against a database the caller has migrated; `PortalSession` is a small cookie-keeping HTTP
client that signs in and sends the CSRF token like htmx does. The `portal_server` fixture in
tests/conftest.py wires both to the suite's database; see its docstring for usage.
"""
from __future__ import annotations

import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT = 60.0
REQUEST_TIMEOUT = 60.0
# Settings the server must not inherit from the shell running the tests (a developer's database,
# Redis or SMTP server would leak into the run).
INHERITED_SETTINGS = ("DATABASE_URL", "TEST_DATABASE_URL", "SECRET_KEY", "REDIS_URL", "TRUSTED_HOSTS",
                      "SIGN_IN_RATE_LIMIT", "FLASK_APP", "FLASK_DEBUG")
INHERITED_PREFIXES = ("PORTAL_", "MAIL_", "TWO_FACTOR_", "REQUIRE_TWO_FACTOR", "SECRET_KEY_")
# The token as base.html writes it into <body hx-headers> and into hidden form fields.
_TOKEN_IN_HEADERS = re.compile(r'"X-CSRFToken":\s*"([^"]+)"')
_TOKEN_IN_FORM = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Response:
    """What the server answered: status, headers and the whole body (read to its end)."""

    status: int
    headers: Message
    body: bytes
    url: str

    @property
    def text(self) -> str:
        """The body decoded as UTF-8."""
        return self.body.decode("utf-8")

    @property
    def location(self) -> str | None:
        """The Location header of a redirect, or HX-Redirect of an htmx navigation."""
        return self.headers.get("Location") or self.headers.get("HX-Redirect")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Hand redirects back to the caller, so tests see the 303 itself."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


@dataclass
class PortalSession:
    """One browser-like client: its own cookies, its own CSRF token, no redirect following.

    Not shared between threads: give every racing thread its own session.
    """

    base_url: str
    cookies: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)
    _token: str | None = None

    def __post_init__(self) -> None:
        self._opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirects())

    def request(self, method: str, path: str, data: dict | list | bytes | None = None, *,
                headers: dict | None = None, csrf: bool = True, htmx: bool = False) -> Response:
        """Send one request and read the whole answer (a 4xx/5xx is returned, not raised).

        `data` is form fields (a dict, or a list of pairs for repeated names) or raw bytes. Unsafe
        methods carry this session's CSRF token in X-CSRFToken, as htmx sends it (csrf=False
        sends none) and an Origin header, as browsers send it.
        """
        method = method.upper()
        sent = dict(headers or {})
        if htmx:
            sent.setdefault("HX-Request", "true")
        if method not in {"GET", "HEAD", "OPTIONS"}:
            sent.setdefault("Origin", self.base_url)
            if csrf:
                sent.setdefault("X-CSRFToken", self.csrf_token())
        body = data
        if isinstance(data, (dict, list)):
            body = urllib.parse.urlencode(data).encode()
            sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
        req = urllib.request.Request(self.base_url + path, data=body, headers=sent, method=method)
        try:
            with self._opener.open(req, timeout=REQUEST_TIMEOUT) as answer:
                # read() raises http.client.IncompleteRead when a streamed body is cut off.
                response = Response(answer.status, answer.headers, answer.read(), answer.url)
        except urllib.error.HTTPError as error:
            with error:
                response = Response(error.code, error.headers, error.read(), error.url)
        self._remember_token(response)
        return response

    def get(self, path: str, **kwargs) -> Response:
        """GET `path` (e.g. "/licensing?x=1")."""
        return self.request("GET", path, **kwargs)

    def post(self, path: str, data: dict | list | bytes | None = None, **kwargs) -> Response:
        """POST form `data` to `path` with the CSRF token."""
        return self.request("POST", path, data if data is not None else {}, **kwargs)

    def csrf_token(self) -> str:
        """This session's CSRF token, read from the last page served (fetched from Sign in if none)."""
        if self._token is None:
            self._fetch_token()
        return self._token

    def sign_in(self, email: str, password: str) -> Response:
        """Sign in through the real form; fails the test unless the portal answers 303."""
        response = self.post("/sign-in", {"email": email, "password": password})
        assert response.status == 303, f"sign-in as {email} answered {response.status}: {response.text[:500]}"
        # Signing in starts a fresh session, so the old token no longer matches.
        self._token = None
        return response

    def _fetch_token(self) -> None:
        """Load a page that carries a token: Sign in when signed out, else wherever it redirects."""
        path = "/sign-in"
        for _ in range(3):
            response = self.get(path)
            if self._token is not None:
                return
            if not response.location:
                break
            path = urllib.parse.urlsplit(response.location).path or "/"
        raise AssertionError("no page carried a CSRF token")

    def _remember_token(self, response: Response) -> None:
        """Keep the token of any HTML page (it stays valid for the session)."""
        if response.headers.get_content_type() != "text/html":
            return
        found = _TOKEN_IN_HEADERS.search(response.body.decode("utf-8", "replace")) \
            or _TOKEN_IN_FORM.search(response.body.decode("utf-8", "replace"))
        if found:
            self._token = found.group(1)


@dataclass
class PortalServer:
    """A running gunicorn serving the portal."""

    base_url: str
    process: subprocess.Popen
    log_path: Path

    def session(self) -> PortalSession:
        """A new client with empty cookies."""
        return PortalSession(self.base_url)

    def log(self) -> str:
        """The server's output so far (gunicorn's and the app's log)."""
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        """Terminate gunicorn (its workers follow), killing it if it does not exit in time."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)


def server_env(database_url: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """This shell's environment minus the app's settings, plus production-like ones for tests."""
    env = {name: value for name, value in os.environ.items()
           if name not in INHERITED_SETTINGS and not name.startswith(INHERITED_PREFIXES)}
    env.update({
        "DATABASE_URL": database_url,
        "SECRET_KEY": "live-test-secret-key-not-for-production",
        "PORTAL_DEMO": "0",
        "PORTAL_AUTO_MIGRATE": "0",  # the suite's `app` fixture has migrated the database
        "TRUSTED_HOSTS": "127.0.0.1,localhost",
        "SIGN_IN_RATE_LIMIT": "100000 per minute",  # memory counters per worker: not what is tested here
        "PYTHONUNBUFFERED": "1",
    })
    env.update(extra or {})
    return env


def start_portal(database_url: str, work_dir: Path, *, workers: int = 4,
                 env: dict[str, str] | None = None) -> PortalServer:
    """Start gunicorn with `workers` sync workers on a free port; returns once it answers."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    instance = work_dir / "instance"
    instance.mkdir(parents=True, exist_ok=True)
    # gunicorn calls the factory with literal arguments: its own instance folder (mail files, keys).
    target = f"partner_portal:create_app({json.dumps({'INSTANCE_PATH': str(instance)})})"
    log_path = work_dir / "gunicorn.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--worker-class", "sync",
             "--bind", f"127.0.0.1:{port}", "--timeout", "120", "--graceful-timeout", "5", target],
            cwd=ROOT, env=server_env(database_url, env), stdout=log, stderr=subprocess.STDOUT,
        )
    server = PortalServer(base_url, process, log_path)
    try:
        _wait_until_up(server)
    except BaseException:
        server.stop()
        raise
    return server


def _wait_until_up(server: PortalServer) -> None:
    """Poll Sign in until it answers 200; fail with the server's log if it dies or times out."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.process.returncode}:\n{server.log()[-4000:]}")
        try:
            with urllib.request.urlopen(server.base_url + "/sign-in", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)  # polling a starting server
    raise RuntimeError(f"gunicorn did not answer within {START_TIMEOUT:.0f}s:\n{server.log()[-4000:]}")
