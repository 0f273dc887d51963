"""Two-factor sign-in: set-up with a server-drawn QR code, the code step of Sign in, replay and
expiry, recovery codes, rate limits, turning it off, REQUIRE_TWO_FACTOR, remember-me."""
from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pyotp
import pytest
import segno
from cryptography.fernet import InvalidToken
from itsdangerous import TimestampSigner
from sqlalchemy import func, select

from partner_portal.auth import two_factor
from partner_portal.auth.services import PENDING_SIGN_IN_KEY, PENDING_SIGN_IN_MAX_AGE, reset_token, use_reset_link
from partner_portal.extensions import db
from partner_portal.models import RecoveryCode, User, UserSession
from partner_portal.models.user_session import token_hash

from ..conftest import TEST_PASSWORD, CSRFClient, htmx_headers
from ..factories import make_admin, make_org, make_user

# The middle of a 30-second step, so that offsets of whole steps land where they say.
NOW = 30 * 63_000_000 + 15
PERSON_MESSAGE = "Too many wrong codes or passwords for this account. Wait 15 minutes, then try again."
ADDRESS_MESSAGE = "Too many failed attempts came from your network. Wait a minute, then try again."


class Clock:
    """The clock two_factor reads, set by the test."""

    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """Freeze two-factor time at NOW (tests move it by hand)."""
    frozen = Clock(NOW)
    monkeypatch.setattr(two_factor, "clock", frozen)
    return frozen


def code_at(secret: str, seconds: float) -> str:
    """The TOTP code an authenticator app shows at `seconds` (pyotp, as a phone would compute it)."""
    return pyotp.TOTP(secret).at(int(seconds))


def enable(user: User) -> tuple[str, list[str]]:
    """Turn two-factor sign-in on for `user` through the services; returns (secret, recovery codes).

    Confirms with the code of the step before the clock's, so the current step is still unused.
    """
    two_factor.start_enrollment(user)
    secret = two_factor.enrollment(user).key.replace(" ", "")
    codes = two_factor.confirm_enrollment(user, code_at(secret, two_factor.clock() - 30), TEST_PASSWORD)
    return secret, codes


def _browser(app) -> CSRFClient:
    return CSRFClient(app, app.response_class, use_cookies=True)


def _password_step(client, user, remember: bool = False, **kwargs):
    data = {"email": user.email, "password": TEST_PASSWORD}
    if remember:
        data["remember"] = "y"
    return client.post("/sign-in", data=data, **kwargs)


def _code_step(client, code: str, **kwargs):
    return client.post("/sign-in/code", data={"code": code}, **kwargs)


def _signed_in(client, user, secret: str, at: float = NOW):
    """Sign in through both steps with the code of `at`."""
    assert _password_step(client, user).status_code == 303
    response = _code_step(client, code_at(secret, at))
    assert response.status_code == 303, _errors(response)
    return response


def _sessions_of(user) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(UserSession).where(UserSession.user_id == user.id))


def _fresh(user) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def _errors(response) -> list[str]:
    return re.findall(r'class="error"[^>]*>([^<]*)<', response.get_data(as_text=True))


def _start_setup(client) -> str:
    """Start the set-up through the pages; returns the key shown for typing."""
    assert client.post("/account/two-factor/setup").status_code == 303
    page = client.get("/account/two-factor").get_data(as_text=True)
    return re.search(r'id="setup-key">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")


def _codes_on(page: str) -> list[str]:
    return re.findall(r"<li><code>([A-Z0-9-]+)</code></li>", page)


# --- set-up ------------------------------------------------------------------------------------------

def test_setup_page_draws_the_qr_code_of_the_key_as_svg_without_script(client, login):
    user = make_admin(make_org(), make_user("qr@example.org"))
    login(user)
    off = client.get("/account/two-factor").get_data(as_text=True)
    assert "Set up two-factor sign-in" in off and "<svg class=\"qr\"" not in off

    key = _start_setup(client)
    page = client.get("/account/two-factor")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and len(key) == 32
    svg = re.search(r'<svg class="qr".*?</svg>', body, re.S).group(0)
    # Every script on the page is a file of ours: nothing inline, nothing inside the SVG.
    assert "<script" not in svg and not re.search(r"\son\w+=", svg)
    assert all(re.fullmatch(r'<script src="/assets/[^"]+" defer>', tag) for tag in re.findall(r"<script[^>]*>", body))
    # The QR code carries the key shown, for this person, named after the portal.
    uri = pyotp.TOTP(key).provisioning_uri(name="qr@example.org", issuer_name="Partner Portal")
    size, path = two_factor.qr_path(uri)
    assert f'viewBox="0 0 {size} {size}"' in svg and f'd="{path}"' in svg
    # The fragment htmx swaps in is the same panel, without the page around it.
    fragment = client.post("/account/two-factor/setup", headers=htmx_headers()).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="two-factor-panel"') and "<html" not in fragment
    assert "<svg class=\"qr\"" in fragment and "<script" not in fragment


def test_the_qr_path_draws_exactly_the_dark_modules_segno_computes():
    text = "otpauth://totp/Partner%20Portal:a%40example.org?secret=JBSWY3DPEHPK3PXP&issuer=Partner%20Portal"
    size, path = two_factor.qr_path(text)
    drawn = [[0] * size for _ in range(size)]
    for x, y, width in re.findall(r"M(\d+) (\d+)\.5h(\d+)", path):
        for column in range(int(x), int(x) + int(width)):
            drawn[int(y)][column] = 1
    expected = [[int(bool(cell)) for cell in row] for row in segno.make(text, error="m", micro=False).matrix_iter(border=4)]
    assert drawn == expected and size == len(expected)


def test_the_secret_is_stored_encrypted_and_decrypts_with_a_fallback_key(client, login, app, monkeypatch):
    user = make_admin(make_org())
    login(user)
    key = _start_setup(client)
    stored = _fresh(user).totp_secret
    assert key not in stored and key.encode() not in stored.encode()
    assert two_factor._secret_of(_fresh(user)) == key
    # Someone with the database but another SECRET_KEY learns nothing.
    monkeypatch.setitem(app.config, "SECRET_KEY", "another-key")
    with pytest.raises(InvalidToken):
        two_factor._fernet().decrypt(stored.encode())
    assert two_factor._secret_of(_fresh(user)) is None
    # Rotating SECRET_KEY with the old one among the fallbacks keeps the secret readable.
    monkeypatch.setitem(app.config, "SECRET_KEY_FALLBACKS", ["test-secret-key-not-for-production"])
    assert two_factor._secret_of(_fresh(user)) == key


def test_turning_on_needs_a_current_code_and_the_password(client, login, clock):
    user = make_admin(make_org())
    login(user)
    key = _start_setup(client)

    for data, message in [
        ({"code": code_at(key, NOW - 60), "password": TEST_PASSWORD}, "That code didn&#39;t work."),
        ({"code": "12345", "password": TEST_PASSWORD}, "Enter the 6-digit code from your authenticator app."),
        ({"code": code_at(key, NOW), "password": "wrong password"}, "That password is not right."),
        ({"code": "", "password": TEST_PASSWORD}, "Enter the code."),
    ]:
        refused = client.post("/account/two-factor/confirm", data=data)
        assert refused.status_code == 422 and message in refused.get_data(as_text=True)
        assert not _fresh(user).has_two_factor
        assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0

    accepted = client.post("/account/two-factor/confirm", data={"code": code_at(key, NOW), "password": TEST_PASSWORD})
    page = accepted.get_data(as_text=True)
    codes = _codes_on(page)
    assert accepted.status_code == 200 and "Save your recovery codes" in page
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(re.fullmatch(r"[2-9A-HJ-NP-Z]{4}(-[2-9A-HJ-NP-Z]{4}){3}", code) for code in codes)
    assert _fresh(user).has_two_factor and _fresh(user).totp_last_step == NOW // 30
    # Stored hashed; neither the codes nor the key are shown again.
    stored = set(db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)))
    assert stored == {token_hash(code.replace("-", "")) for code in codes}
    later = client.get("/account/two-factor").get_data(as_text=True)
    assert key not in later and not any(code in later for code in codes) and "10 of 10 recovery codes unused" in later
    assert "On" in client.get("/account/settings").get_data(as_text=True).split('id="two-factor"')[1][:600]


def test_turning_on_by_htmx_swaps_the_panel_and_422_swaps_the_form(client, login, clock):
    user = make_admin(make_org())
    login(user)
    key = _start_setup(client)
    refused = client.post("/account/two-factor/confirm", data={"code": "000000", "password": TEST_PASSWORD},
                          headers=htmx_headers())
    assert refused.status_code == 422 and "<html" not in refused.get_data(as_text=True)
    assert 'id="two-factor-panel"' in refused.get_data(as_text=True)
    accepted = client.post("/account/two-factor/confirm", data={"code": code_at(key, NOW), "password": TEST_PASSWORD},
                           headers=htmx_headers())
    body = accepted.get_data(as_text=True)
    assert accepted.status_code == 200 and "<html" not in body and len(_codes_on(body)) == 10


def test_setting_up_again_while_on_is_refused(client, clock):
    user = make_admin(make_org())
    secret, _ = enable(user)
    _signed_in(client, user, secret)
    before = _fresh(user).totp_secret
    refused = client.post("/account/two-factor/setup")
    assert refused.status_code == 409 and "already on" in refused.get_data(as_text=True)
    assert _fresh(user).totp_secret == before


@pytest.mark.parametrize("path", ["/account/two-factor/setup", "/account/two-factor/confirm",
                                  "/account/two-factor/recovery-codes", "/account/two-factor/disable",
                                  "/sign-in/code"])
def test_every_two_factor_form_refuses_a_missing_csrf_token(client, login, clock, path):
    user = make_admin(make_org())
    secret, _ = enable(user)
    state = (_fresh(user).totp_secret, _fresh(user).totp_last_step)
    _password_step(client, user)
    refused = client.post(path, data={"code": code_at(secret, NOW), "password": TEST_PASSWORD,
                                      "off-password": TEST_PASSWORD, "off-code": code_at(secret, NOW),
                                      "codes-password": TEST_PASSWORD}, csrf=False)
    assert refused.status_code == 400 and "form expired" in refused.get_data(as_text=True)
    assert (_fresh(user).totp_secret, _fresh(user).totp_last_step) == state and _sessions_of(user) == 0


@pytest.mark.parametrize("method, path", [("GET", "/account/two-factor"), ("POST", "/account/two-factor/setup"),
                                          ("POST", "/account/two-factor/confirm"),
                                          ("POST", "/account/two-factor/recovery-codes"),
                                          ("POST", "/account/two-factor/disable")])
def test_the_settings_pages_send_visitors_to_sign_in(client, method, path):
    response = client.open(path, method=method)
    assert response.status_code == 303 and response.headers["Location"].startswith("/sign-in")


# --- the code step of Sign in ---------------------------------------------------------------------

def test_the_right_password_alone_signs_nobody_in(client, clock):
    user = make_admin(make_org())
    enable(user)
    response = _password_step(client, user, query_string={"next": "/account/settings"})
    assert response.status_code == 303 and response.headers["Location"] == "/sign-in/code"
    assert _sessions_of(user) == 0
    with client.session_transaction() as session:
        assert "_user_id" not in session and set(session) <= {PENDING_SIGN_IN_KEY, "_flashes", "csrf_token"}
    assert client.get_cookie("remember_token") is None
    # Every page treats the half-signed-in visitor as signed out.
    for path in ["/", "/account/settings", "/account/two-factor", "/account/invitations"]:
        answer = client.get(path)
        assert answer.status_code == 303 and answer.headers["Location"].startswith("/sign-in?next="), path
    fragment = client.get("/account/settings", headers=htmx_headers())
    assert fragment.headers["HX-Redirect"].startswith("/sign-in")
    unsafe = client.post("/account/sessions/sign-out-others")
    assert unsafe.status_code == 303 and unsafe.headers["Location"].startswith("/sign-in")
    assert client.get("/sign-in/code").status_code == 200


@pytest.mark.parametrize("offset", [-30, 0, 30])
def test_a_code_of_the_current_step_or_one_either_side_signs_in(client, clock, offset):
    user = make_admin(make_org())
    clock.now = NOW - 60  # set up a minute ago, so that no step of the window is used yet
    secret, _ = enable(user)
    clock.now = NOW
    _password_step(client, user)
    response = _code_step(client, code_at(secret, NOW + offset))
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert _sessions_of(user) == 1 and client.get("/account/settings").status_code == 200
    with client.session_transaction() as session:
        assert PENDING_SIGN_IN_KEY not in session  # the note is spent with the step


@pytest.mark.parametrize("offset", [-60, 60, -3600])
def test_a_code_two_steps_away_is_refused(client, clock, offset):
    user = make_admin(make_org())
    secret, _ = enable(user)
    _password_step(client, user)
    refused = _code_step(client, code_at(secret, NOW + offset))
    assert refused.status_code == 422 and _errors(refused) == [two_factor.WRONG_CODE.replace("'", "&#39;")]
    assert _sessions_of(user) == 0 and _fresh(user).totp_last_step == NOW // 30 - 1


def test_a_used_code_cannot_be_replayed_nor_an_earlier_one_after_it(client, app, clock):
    user = make_admin(make_org())
    secret, _ = enable(user)
    _signed_in(client, user, secret)
    thief = _browser(app)
    _password_step(thief, user)
    replayed = _code_step(thief, code_at(secret, NOW))
    assert replayed.status_code == 422 and "already used" in replayed.get_data(as_text=True)
    # A later step is fine; after it, the earlier one of the window is refused too.
    assert _code_step(thief, code_at(secret, NOW + 30)).status_code == 303
    late = _browser(app)
    _password_step(late, user)
    assert "already used" in _code_step(late, code_at(secret, NOW - 30)).get_data(as_text=True)
    # Thirty seconds on, the code of the new current step works.
    clock.now += 60
    assert _code_step(late, code_at(secret, NOW + 60)).status_code == 303
    assert _sessions_of(user) == 3


def test_the_code_step_keeps_a_safe_next_and_drops_another(client, clock):
    user = make_admin(make_org())
    secret, _ = enable(user)
    step = client.post("/sign-in", data={"email": user.email, "password": TEST_PASSWORD,
                                         "next": "/account/settings"})
    assert step.headers["Location"] == "/sign-in/code?next=/account/settings"
    page = client.get(step.headers["Location"]).get_data(as_text=True)
    assert 'name="next" type="hidden" value="/account/settings"' in page
    done = client.post("/sign-in/code", data={"code": code_at(secret, NOW), "next": "/account/settings"})
    assert done.headers["Location"] == "/account/settings"
    client.post("/sign-out")
    _password_step(client, user)
    done = client.post("/sign-in/code", data={"code": code_at(secret, NOW + 30), "next": "//evil.example/x"})
    assert done.headers["Location"] == "/"


def test_htmx_sign_in_goes_to_the_code_step_by_hx_redirect(client, clock):
    user = make_admin(make_org())
    secret, _ = enable(user)
    step = _password_step(client, user, headers=htmx_headers())
    assert step.status_code == 200 and step.headers["HX-Redirect"] == "/sign-in/code"
    refused = _code_step(client, "000000", headers=htmx_headers())
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and body.lstrip().startswith('<form id="code-form"') and "<html" not in body
    done = _code_step(client, code_at(secret, NOW), headers=htmx_headers())
    assert done.status_code == 200 and done.headers["HX-Redirect"] == "/"


@pytest.mark.parametrize("code, message", [
    ("", "Enter the code."),
    ("12345", "Enter the 6-digit code from your authenticator app, or one of your recovery codes."),
    ("12345a", "Enter the 6-digit code from your authenticator app, or one of your recovery codes."),
    ("x" * 65, "That code is too long."),
])
def test_a_malformed_code_gets_a_clear_message(client, clock, code, message):
    user = make_admin(make_org())
    enable(user)
    _password_step(client, user)
    refused = _code_step(client, code)
    assert refused.status_code == 422 and message in refused.get_data(as_text=True)
    assert _sessions_of(user) == 0


def test_the_note_expires_after_five_minutes(client, clock, monkeypatch):
    user = make_admin(make_org())
    secret, _ = enable(user)
    real = TimestampSigner.get_timestamp
    # The password step happened five minutes and a second ago.
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda signer: real(signer) - PENDING_SIGN_IN_MAX_AGE - 1)
    _password_step(client, user)
    monkeypatch.setattr(TimestampSigner, "get_timestamp", real)
    late = _code_step(client, code_at(secret, NOW))
    assert late.status_code == 303 and late.headers["Location"] == "/sign-in"
    assert _sessions_of(user) == 0 and _fresh(user).totp_last_step == NOW // 30 - 1
    page = client.get("/sign-in").get_data(as_text=True)
    assert "Your sign-in took too long or was interrupted. Sign in again." in page
    with client.session_transaction() as session:
        assert PENDING_SIGN_IN_KEY not in session


def test_a_note_from_before_a_password_change_or_tampered_with_is_refused(client, clock):
    user = make_admin(make_org())
    secret, _ = enable(user)
    _password_step(client, user)
    use_reset_link(reset_token(_fresh(user)), "a brand new password")
    assert _code_step(client, code_at(secret, NOW)).headers["Location"] == "/sign-in"

    other = make_admin(make_org())
    _password_step(client, other)  # other has no two-factor: signed in at once
    with client.session_transaction() as session:
        session[PENDING_SIGN_IN_KEY] = session.get(PENDING_SIGN_IN_KEY, "") + "x"
    assert client.get("/sign-in/code").headers["Location"] == "/sign-in"


def test_no_note_no_code_step(client):
    response = client.get("/sign-in/code")
    assert response.status_code == 303 and response.headers["Location"] == "/sign-in"


def test_remember_me_carries_through_the_code_step(client, app, clock):
    user = make_admin(make_org())
    secret, _ = enable(user)
    _password_step(client, user, remember=True)
    assert client.get_cookie("remember_token") is None  # not before the code
    assert _code_step(client, code_at(secret, NOW)).status_code == 303
    remembered = client.get_cookie("remember_token").value
    record = db.session.scalar(select(UserSession).where(UserSession.user_id == user.id))
    assert record.remember and record.expires_at - record.created_at == app.config["REMEMBER_COOKIE_DURATION"]
    # The remember cookie alone signs a fresh browser in, with no code asked again.
    fresh = _browser(app)
    fresh.set_cookie("remember_token", remembered)
    assert fresh.get("/account/settings").status_code == 200


# --- recovery codes --------------------------------------------------------------------------------

def test_a_recovery_code_signs_in_once(client, app, clock):
    user = make_admin(make_org())
    _, codes = enable(user)
    page = client.get(_password_step(client, user).headers["Location"] + "?recovery=1").get_data(as_text=True)
    assert "Recovery code" in page and 'inputmode="numeric"' not in page
    # Typed in lower case with spaces instead of dashes, it is still the code.
    typed = codes[3].lower().replace("-", " ")
    assert client.post("/sign-in/code?recovery=1", data={"code": typed}).status_code == 303
    used = db.session.scalar(select(RecoveryCode).where(RecoveryCode.code_hash == token_hash(codes[3].replace("-", ""))))
    assert used.used_at is not None

    again = _browser(app)
    _password_step(again, user)
    refused = _code_step(again, codes[3])
    assert refused.status_code == 422 and "doesn&#39;t match an unused one" in refused.get_data(as_text=True)
    assert _code_step(again, codes[4]).status_code == 303
    assert _sessions_of(user) == 2


def test_another_persons_recovery_code_opens_nothing(client, clock):
    user = make_admin(make_org())
    enable(user)
    other = make_admin(make_org())
    _, other_codes = enable(other)
    _password_step(client, user)
    assert _code_step(client, other_codes[0]).status_code == 422
    assert _sessions_of(user) == 0


def test_new_recovery_codes_replace_the_old_ones(client, clock):
    user = make_admin(make_org())
    secret, old_codes = enable(user)
    _signed_in(client, user, secret)
    refused = client.post("/account/two-factor/recovery-codes", data={"codes-password": "wrong password"})
    assert refused.status_code == 422 and "That password is not right." in refused.get_data(as_text=True)
    assert 'id="codes-password-error"' in refused.get_data(as_text=True)
    assert set(db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id))) == {
        token_hash(code.replace("-", "")) for code in old_codes}

    renewed = client.post("/account/two-factor/recovery-codes", data={"codes-password": TEST_PASSWORD})
    new_codes = _codes_on(renewed.get_data(as_text=True))
    assert renewed.status_code == 200 and len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    client.post("/sign-out")
    _password_step(client, user)
    assert _code_step(client, old_codes[0]).status_code == 422
    assert _code_step(client, new_codes[0]).status_code == 303


def test_the_page_warns_when_recovery_codes_run_low(client, app, clock):
    user = make_admin(make_org())
    secret, codes = enable(user)
    for code in codes[:8]:
        browser = _browser(app)
        _password_step(browser, user)
        assert _code_step(browser, code).status_code == 303
    _signed_in(client, user, secret)
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "2 of 10 recovery codes unused. Generate new ones before they run out." in page


# --- turning it off ----------------------------------------------------------------------------------

@pytest.mark.parametrize("password, code, field, message", [
    ("wrong password", "now", "off-password", "That password is not right."),
    (TEST_PASSWORD, "000000", "off-code", "That code didn&#39;t work."),
    (TEST_PASSWORD, "", "off-code", "Enter the code."),
    ("", "now", "off-password", "Enter your password."),
])
def test_turning_off_needs_the_password_and_a_code(client, clock, password, code, field, message):
    user = make_admin(make_org())
    secret, codes = enable(user)
    _signed_in(client, user, secret)
    clock.now += 30
    code = code_at(secret, clock.now) if code == "now" else code
    refused = client.post("/account/two-factor/disable", data={"off-password": password, "off-code": code})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and message in body and f'id="{field}-error"' in body
    assert _fresh(user).has_two_factor and _fresh(user).totp_secret
    assert db.session.scalar(select(func.count()).select_from(RecoveryCode).where(RecoveryCode.used_at.is_(None))) == 10


@pytest.mark.parametrize("with_recovery_code", [False, True])
def test_turning_off_forgets_the_secret_and_the_codes(client, clock, with_recovery_code):
    user = make_admin(make_org())
    secret, codes = enable(user)
    _signed_in(client, user, secret)
    code = codes[0] if with_recovery_code else code_at(secret, NOW + 30)
    done = client.post("/account/two-factor/disable", data={"off-password": TEST_PASSWORD, "off-code": code})
    assert done.status_code == 303 and done.headers["Location"] == "/account/two-factor"
    assert "Two-factor sign-in is off." in client.get("/account/two-factor").get_data(as_text=True)
    user = _fresh(user)
    assert (user.totp_secret, user.totp_enabled_at, user.totp_last_step) == (None, None, None)
    assert db.session.scalar(select(func.count()).select_from(RecoveryCode).where(RecoveryCode.user_id == user.id)) == 0
    client.post("/sign-out")
    assert _password_step(client, user).headers["Location"] == "/"


def test_turning_off_by_htmx_answers_the_panel(client, clock):
    user = make_admin(make_org())
    secret, _ = enable(user)
    _signed_in(client, user, secret)
    done = client.post("/account/two-factor/disable", headers=htmx_headers(),
                       data={"off-password": TEST_PASSWORD, "off-code": code_at(secret, NOW + 30)})
    body = done.get_data(as_text=True)
    assert done.status_code == 200 and "<html" not in body and "Two-factor sign-in is off." in body
    assert "Set up two-factor sign-in" in body


def test_the_operator_command_turns_it_off(app, clock):
    user = make_admin(make_org(), make_user("lost@example.org"))
    enable(user)
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["turn-off-two-factor", "LOST@example.org"])
    assert result.exit_code == 0 and "Two-factor sign-in is off for lost@example.org" in result.output
    assert not _fresh(user).has_two_factor
    assert runner.invoke(args=["turn-off-two-factor", "lost@example.org"]).exit_code == 1
    assert runner.invoke(args=["turn-off-two-factor", "nobody@example.org"]).exit_code == 1


# --- rate limits -------------------------------------------------------------------------------------

@pytest.fixture
def code_limit(app) -> int:
    """Wrong codes allowed per person in the window."""
    return int(app.config["TWO_FACTOR_ACCOUNT_RATE_LIMIT"].split()[0])


def test_wrong_codes_from_many_addresses_lock_the_person(client, app, clock, code_limit):
    user = make_admin(make_org())
    secret, _ = enable(user)
    _password_step(client, user)
    for attempt in range(code_limit):
        assert _code_step(client, "000000", environ_base={"REMOTE_ADDR": f"192.0.2.{attempt + 1}"}).status_code == 422
    refused = _code_step(client, code_at(secret, NOW), environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert refused.status_code == 429 and PERSON_MESSAGE in refused.get_data(as_text=True)
    assert refused.headers["Retry-After"] and _sessions_of(user) == 0
    # A fresh password step starts no fresh count: the person is counted, not the note.
    again = _browser(app)
    _password_step(again, user, environ_base={"REMOTE_ADDR": "203.0.113.5"})
    assert _code_step(again, code_at(secret, NOW), environ_base={"REMOTE_ADDR": "203.0.113.5"}).status_code == 429
    # Someone else is not held back, from the same addresses.
    other = make_admin(make_org())
    other_secret, _ = enable(other)
    elsewhere = _browser(app)
    _password_step(elsewhere, other)
    assert _code_step(elsewhere, code_at(other_secret, NOW), environ_base={"REMOTE_ADDR": "192.0.2.1"}).status_code == 303


def test_wrong_codes_from_one_address_lock_that_address(app, clock, code_limit):
    people = [make_admin(make_org()) for _ in range(3)]
    secrets_ = [enable(person)[0] for person in people]
    per_address = int(app.config["SIGN_IN_RATE_LIMIT"].split()[0])
    address = {"REMOTE_ADDR": "192.0.2.77"}
    failures = 0
    for person in people[:2]:
        browser = _browser(app)
        _password_step(browser, person, environ_base=address)
        for _ in range(min(code_limit, per_address - failures)):
            assert _code_step(browser, "000000", environ_base=address).status_code == 422
            failures += 1
    assert failures == per_address
    browser = _browser(app)
    _password_step(browser, people[2], environ_base={"REMOTE_ADDR": "198.51.100.8"})
    refused = _code_step(browser, code_at(secrets_[2], NOW), environ_base=address)
    assert refused.status_code == 429 and ADDRESS_MESSAGE in refused.get_data(as_text=True)
    assert _code_step(browser, code_at(secrets_[2], NOW), environ_base={"REMOTE_ADDR": "198.51.100.8"}).status_code == 303


def test_right_codes_and_page_views_count_against_nobody(client, app, clock, code_limit):
    user = make_admin(make_org())
    secret, _ = enable(user)
    _password_step(client, user)
    for _ in range(code_limit + 2):
        assert client.get("/sign-in/code").status_code == 200
    for _ in range(code_limit - 1):
        assert _code_step(client, "000000").status_code == 422
    assert _code_step(client, code_at(secret, NOW)).status_code == 303
    again = _browser(app)
    _password_step(again, user)
    assert _code_step(again, "000000").status_code == 422  # the limit's last failure
    assert _code_step(again, code_at(secret, NOW + 30)).status_code == 429


def test_wrong_passwords_on_the_two_factor_forms_count_too(client, clock, code_limit):
    user = make_admin(make_org())
    secret, _ = enable(user)
    _signed_in(client, user, secret)
    for attempt in range(code_limit):
        path = "/account/two-factor/recovery-codes" if attempt % 2 else "/account/two-factor/disable"
        data = {"codes-password": "wrong password", "off-password": "wrong password", "off-code": "000000"}
        assert client.post(path, data=data).status_code == 422
    refused = client.post("/account/two-factor/recovery-codes", data={"codes-password": TEST_PASSWORD})
    assert refused.status_code == 429 and PERSON_MESSAGE in refused.get_data(as_text=True)
    assert client.get("/account/two-factor").status_code == 200


# --- REQUIRE_TWO_FACTOR ------------------------------------------------------------------------------

@pytest.fixture
def required(app, monkeypatch):
    monkeypatch.setitem(app.config, "REQUIRE_TWO_FACTOR", True)


def test_required_sends_people_without_it_to_the_setup_first(client, login, clock, required):
    user = make_admin(make_org())
    login(user)
    for path in ["/", "/account/settings", "/account/invitations", "/no-such-page"]:
        answer = client.get(path)
        assert answer.status_code == 303 and answer.headers["Location"] == "/account/two-factor", path
    assert client.get("/account/settings", headers=htmx_headers()).headers["HX-Redirect"] == "/account/two-factor"
    unsafe = client.post("/account/sessions/sign-out-others")
    assert unsafe.status_code == 303 and unsafe.headers["Location"] == "/account/two-factor"
    assert _sessions_of(user) == 1  # nothing was signed out
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "This portal asks everyone who signs in to use two-factor sign-in." in page

    key = _start_setup(client)
    done = client.post("/account/two-factor/confirm", data={"code": code_at(key, NOW), "password": TEST_PASSWORD})
    assert done.status_code == 200 and len(_codes_on(done.get_data(as_text=True))) == 10
    assert client.get("/").status_code == 200 and client.get("/account/settings").status_code == 200


def test_required_still_lets_people_sign_out(client, login, required):
    user = make_admin(make_org())
    login(user)
    out = client.post("/sign-out")
    assert out.status_code == 303 and out.headers["Location"] == "/sign-in"
    assert _sessions_of(user) == 1 and db.session.scalar(select(UserSession.ended_at)) is not None
    assert client.get("/sign-in").status_code == 200  # signed-out pages stay open


def test_required_leaves_people_with_it_alone(client, clock, required):
    user = make_admin(make_org())
    secret, _ = enable(user)
    _signed_in(client, user, secret)
    assert client.get("/account/settings").status_code == 200


def test_two_factor_is_optional_unless_required(client, login, app, monkeypatch, tmp_path):
    from partner_portal import config as config_module

    assert app.config["REQUIRE_TWO_FACTOR"] is False
    login(make_admin(make_org()))
    assert client.get("/").status_code == 200
    monkeypatch.delenv("REQUIRE_TWO_FACTOR", raising=False)
    assert config_module.load(str(tmp_path))["REQUIRE_TWO_FACTOR"] is False
    monkeypatch.setenv("REQUIRE_TWO_FACTOR", "1")
    assert config_module.load(str(tmp_path))["REQUIRE_TWO_FACTOR"] is True


# --- one code, many requests at once (the real server, both databases) --------------------------------

def _turned_on_live(portal_server):
    """A new person who signed in through the real server and turned two-factor on there (the
    server has its own SECRET_KEY); returns (user id, email, signed-in session, key, time of the code)."""
    user = make_admin(make_org())
    user_id, email = user.id, user.email
    db.session.commit()
    owner = portal_server.session()
    owner.sign_in(email, TEST_PASSWORD)
    assert owner.post("/account/two-factor/setup").status == 303
    key = re.search(r'id="setup-key">([A-Z2-7 ]+)<', owner.get("/account/two-factor").text).group(1).replace(" ", "")
    now = time.time()
    turned_on = owner.post("/account/two-factor/confirm", {"code": code_at(key, now), "password": TEST_PASSWORD})
    assert turned_on.status == 200, turned_on.text[:500]
    return user_id, email, owner, key, now


@pytest.mark.committing
@pytest.mark.concurrency
def test_one_code_sent_by_several_browsers_at_once_signs_in_one(portal_server):
    user_id, email, _, key, now = _turned_on_live(portal_server)

    racers = []
    for _ in range(4):  # fewer wrong codes than the per-person limit, whichever worker counts them
        web = portal_server.session()
        step = web.post("/sign-in", {"email": email, "password": TEST_PASSWORD})
        assert step.status == 303 and step.location.endswith("/sign-in/code")
        web.get("/sign-in/code")  # the code page's token
        racers.append(web)
    code = code_at(key, now + 30)  # the next step: within the window whether or not the clock moved on
    barrier = threading.Barrier(len(racers))

    def send(web):
        barrier.wait(timeout=30)
        return web.post("/sign-in/code", {"code": code})

    with ThreadPoolExecutor(max_workers=len(racers)) as pool:
        answers = list(pool.map(send, racers))
    assert sorted(answer.status for answer in answers) == [303, 422, 422, 422], portal_server.log()[-3000:]
    assert all("already used" in answer.text for answer in answers if answer.status == 422)
    db.session.rollback()  # end the test's read transaction: see what the server committed
    assert db.session.scalar(select(func.count()).select_from(UserSession).where(UserSession.user_id == user_id)) == 2


@pytest.mark.committing
@pytest.mark.concurrency
def test_new_recovery_codes_asked_for_in_several_tabs_at_once_leave_one_set(portal_server):
    user_id, _, owner, _, _ = _turned_on_live(portal_server)
    tabs = []
    for _ in range(4):  # the same browser: its cookies and token in each tab
        tab = portal_server.session()
        for cookie in owner.cookies:
            tab.cookies.set_cookie(cookie)
        tab._token = owner.csrf_token()
        tabs.append(tab)
    barrier = threading.Barrier(len(tabs))

    def renew(tab):
        barrier.wait(timeout=30)
        return tab.post("/account/two-factor/recovery-codes", {"codes-password": TEST_PASSWORD})

    for _ in range(3):  # a few rounds: each is one chance for an unserialised pair to interleave
        with ThreadPoolExecutor(max_workers=len(tabs)) as pool:
            answers = list(pool.map(renew, tabs))
        assert [answer.status for answer in answers] == [200] * 4, portal_server.log()[-3000:]
        shown = [{token_hash(code.replace("-", "")) for code in _codes_on(answer.text)} for answer in answers]
        db.session.rollback()
        stored = set(db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user_id)))
        # One tab's codes are the codes: the others' were replaced, none is valid unseen.
        assert len(stored) == 10 and stored in shown
