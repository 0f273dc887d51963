"""Two-factor sign-in rules: TOTP secrets, codes, recovery codes, and the step between password
and session.

Design decisions (the next engineer needs these):

- The TOTP secret is stored as a Fernet token (AES-128-CBC with HMAC-SHA256, from the
  `cryptography` package) under a key derived from SECRET_KEY with HKDF. A database dump alone
  gives no secret away; SECRET_KEY lives outside the database. Keys in SECRET_KEY_FALLBACKS
  still decrypt, so SECRET_KEY can be rotated; losing every key that encrypted a secret turns
  that person's authenticator off in effect, and their recovery codes are the way back in.
- Recovery codes carry 80 random bits and are stored as SHA-256, like session secrets
  (models/user_session.token_hash): a slow hash protects guessable secrets, and nobody guesses
  80 random bits, hashed fast or slowly. A fast hash lets one conditional UPDATE find and spend
  a code (single use even under concurrent requests), and needs no key, so the codes keep
  working when SECRET_KEY is lost, which is when they are most needed.
- A code is accepted for the current 30-second step and one step either side (clock drift).
  The accepted step is stored, and only a later step is accepted after it, by a compare-and-set
  UPDATE: a code can't be replayed, not even by two requests at once.
- After the right password, sign-in is pending: no session record exists, the browser only holds
  a signed note naming the person, valid for five minutes (services.pending_note), and every
  page treats it as signed out. The session starts when finish_sign_in accepts a code.
"""

from __future__ import annotations

import base64
import hmac
import re
import secrets
import time
from typing import NamedTuple

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import delete, or_, update

from ..database import begin_serialized
from ..extensions import db
from ..models import RecoveryCode, User, utcnow
from ..models.user_session import token_hash
from .passwords import verify_password
from ..web.i18n import gettext, lazy_gettext
from .services import AuthError, PendingSignIn, start_session

ISSUER = "Partner Portal"
# Accepted steps around the current one: one 30-second step of clock drift either way.
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
# 16 symbols of a 32-letter alphabet without 0/O and 1/I: 80 random bits, easy to read aloud.
RECOVERY_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
RECOVERY_CODE_LENGTH = 16

_TOTP_CODE = re.compile(r"[0-9]{6}")
_RECOVERY_CODE = re.compile(rf"[{RECOVERY_ALPHABET}]{{{RECOVERY_CODE_LENGTH}}}")
_SEPARATORS = re.compile(r"[\s-]+")

WRONG_CODE = lazy_gettext("That code didn't work. Enter the code your authenticator app shows now.")
REPLAYED_CODE = lazy_gettext("That code was already used. Wait for your authenticator app to show a new one.")
WRONG_RECOVERY_CODE = lazy_gettext("That recovery code doesn't match an unused one.")


class TwoFactorError(AuthError):
    """A refused code or password, with the form field it is about."""

    def __init__(self, message: str, field: str = "code"):
        super().__init__(message)
        self.field = field


def clock() -> float:
    """Seconds since the epoch; the one clock of this module (tests set it)."""
    return time.time()


# --- the secret, encrypted at rest ---------------------------------------------------------------


def _fernet() -> MultiFernet:
    """Encrypts with a key from SECRET_KEY; also decrypts with keys from SECRET_KEY_FALLBACKS."""
    config = current_app.config
    keys = [config["SECRET_KEY"], *(config.get("SECRET_KEY_FALLBACKS") or [])]
    return MultiFernet([Fernet(_derive_key(key)) for key in keys])


def _derive_key(secret_key: str | bytes) -> bytes:
    """A Fernet key of its own for TOTP secrets (never the signing key itself), derived with HKDF."""
    material = secret_key.encode() if isinstance(secret_key, str) else secret_key
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"partner-portal/totp-secret").derive(material)
    return base64.urlsafe_b64encode(derived)


def _secret_of(user: User) -> str | None:
    """The user's base32 TOTP secret in clear, or None (none stored, or no key decrypts it)."""
    if not user.totp_secret:
        return None
    try:
        return _fernet().decrypt(user.totp_secret.encode()).decode()
    except InvalidToken:
        current_app.logger.warning(
            "The TOTP secret of user %s does not decrypt with SECRET_KEY or its fallbacks", user.id
        )
        return None


# --- codes ---------------------------------------------------------------------------------------


def normalise_code(code: str) -> str:
    """The code without spaces and dashes, in capitals (as recovery codes are printed)."""
    return _SEPARATORS.sub("", code or "").upper()


def _matching_step(secret: str, code: str) -> int | None:
    """The time step within the drift window whose code is `code`, or None."""
    totp = pyotp.TOTP(secret)
    now_step = int(clock()) // totp.interval
    matched = None
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        # compare_digest on every step: the time taken says nothing about which step matched.
        if hmac.compare_digest(totp.generate_otp(step), code):
            matched = step
    return matched


def _accept_step(user_id: int, step: int) -> bool:
    """Record `step` as the user's last used one, unless it or a later one already was (one
    conditional UPDATE: of two requests with the same code, one wins)."""
    result = db.session.execute(
        update(User)
        .where(User.id == user_id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
    )
    return result.rowcount == 1


def _use_totp(user: User, code: str) -> None:
    """Spend a TOTP code of the user's (pending or enabled) secret; raises TwoFactorError (no commit)."""
    secret = _secret_of(user)
    step = _matching_step(secret, code) if secret else None
    if step is None:
        raise TwoFactorError(WRONG_CODE)
    if not _accept_step(user.id, step):
        raise TwoFactorError(REPLAYED_CODE)


def _use_recovery_code(user: User, code: str) -> None:
    """Spend one unused recovery code of the user; raises TwoFactorError (no commit)."""
    result = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id, RecoveryCode.code_hash == token_hash(code), RecoveryCode.used_at.is_(None)
        )
        .values(used_at=utcnow())
    )
    if result.rowcount != 1:
        raise TwoFactorError(WRONG_RECOVERY_CODE)


def _use_second_factor(user: User, code: str) -> None:
    """Spend a TOTP code or a recovery code of a user who has two-factor sign-in on (no commit)."""
    code = normalise_code(code)
    if not user.has_two_factor:
        raise TwoFactorError(WRONG_CODE)
    if _TOTP_CODE.fullmatch(code):
        _use_totp(user, code)
    elif _RECOVERY_CODE.fullmatch(code):
        _use_recovery_code(user, code)
    else:
        raise TwoFactorError(
            gettext("Enter the 6-digit code from your authenticator app, or one of your recovery codes.")
        )


def _check_password(user: User, password: str) -> None:
    """Raise TwoFactorError (on the password field) unless `password` is the user's."""
    if not verify_password(user.password_hash, password):
        raise TwoFactorError(gettext("That password is not right."), field="password")


def _locked(user: User) -> User:
    """Hold the user's row until commit, and reload it: what is checked next sees every change
    committed before (two tabs setting up, renewing or turning off at once take turns)."""
    begin_serialized(User, user.id)
    return db.session.get(User, user.id, populate_existing=True)


def _new_recovery_codes(user_id: int) -> list[str]:
    """Replace the user's recovery codes with RECOVERY_CODE_COUNT new ones; returns them, grouped
    by four for reading (no commit)."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    codes = [
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    db.session.add_all(RecoveryCode(user_id=user_id, code_hash=token_hash(code)) for code in codes)
    return ["-".join(code[i : i + 4] for i in range(0, RECOVERY_CODE_LENGTH, 4)) for code in codes]


# --- enrollment ----------------------------------------------------------------------------------


class Enrollment(NamedTuple):
    """What the set-up page shows for a pending secret: the key to type and the QR code to scan."""

    key: str
    qr_size: int
    qr_path: str


def start_enrollment(user: User) -> None:
    """Give the user a new pending secret (replacing a pending one); raises TwoFactorError when
    two-factor sign-in is already on."""
    user = _locked(user)
    if user.has_two_factor:
        raise TwoFactorError(
            gettext("Two-factor sign-in is already on. Turn it off first to use another authenticator.")
        )
    user.totp_secret = _fernet().encrypt(pyotp.random_base32().encode()).decode()
    user.totp_last_step = None
    db.session.commit()


def enrollment(user: User) -> Enrollment | None:
    """The pending secret as a key to type and a QR code; None when nothing is pending."""
    secret = None if user.has_two_factor else _secret_of(user)
    if secret is None:
        return None
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    size, path = qr_path(uri)
    return Enrollment(" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)), size, path)


def qr_path(text: str) -> tuple[int, str]:
    """The QR code of `text` as (size, SVG path data): one horizontal 1-unit stroke per run of dark
    modules, at y + 0.5, inside a 4-module quiet zone."""
    rows = segno.make(text, error="m", micro=False).matrix_iter(scale=1, border=4)
    parts = []
    size = 0
    for y, row in enumerate(rows):
        size = len(row)
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                parts.append(f"M{start} {y}.5h{x - start}")
            else:
                x += 1
    return size, "".join(parts)


def confirm_enrollment(user: User, code: str, password: str) -> list[str]:
    """Turn two-factor sign-in on once a code of the pending secret and the password are right;
    returns the new recovery codes (shown once). Raises TwoFactorError."""
    code = normalise_code(code)
    if not _TOTP_CODE.fullmatch(code):
        raise TwoFactorError(gettext("Enter the 6-digit code from your authenticator app."))
    _check_password(user, password)  # slow on purpose: before taking the lock
    user = _locked(user)
    if user.has_two_factor:
        raise TwoFactorError(gettext("Two-factor sign-in is already on."))
    if not user.totp_secret:
        raise TwoFactorError(gettext("Start the set-up again: no authenticator is waiting to be confirmed."))
    _use_totp(user, code)
    user.totp_enabled_at = utcnow()
    codes = _new_recovery_codes(user.id)
    db.session.commit()
    return codes


def regenerate_recovery_codes(user: User, password: str) -> list[str]:
    """Replace the user's recovery codes after checking the password; returns the new ones."""
    _check_password(user, password)
    user = _locked(user)
    if not user.has_two_factor:
        raise TwoFactorError(gettext("Turn two-factor sign-in on first."))
    codes = _new_recovery_codes(user.id)
    db.session.commit()
    return codes


def disable(user: User, password: str, code: str) -> None:
    """Turn two-factor sign-in off after checking the password and a code (TOTP or recovery);
    forgets the secret and the recovery codes. Raises TwoFactorError."""
    _check_password(user, password)
    user = _locked(user)
    if not user.has_two_factor:
        raise TwoFactorError(gettext("Two-factor sign-in is already off."))
    _use_second_factor(user, code)
    _forget(user)
    db.session.commit()


def turn_off(user: User) -> None:
    """Turn two-factor sign-in off without a code: the operator's way back in for someone who lost
    both their app and their recovery codes."""
    _forget(_locked(user))
    db.session.commit()


def _forget(user: User) -> None:
    """Drop the user's secret and recovery codes (no commit): signing in asks for the password only."""
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def setup_required(user: User) -> bool:
    """True when REQUIRE_TWO_FACTOR is set and this signed-in person has not turned it on."""
    return bool(current_app.config["REQUIRE_TWO_FACTOR"]) and not user.has_two_factor


# --- the second step of signing in ------------------------------------------------------------


def finish_sign_in(pending: PendingSignIn, code: str, client_address: str, user_agent: str) -> User:
    """Check the code (TOTP or recovery), then record the session (see services.start_session).
    Raises TwoFactorError; nothing is written for a wrong code."""
    _use_second_factor(pending.user, code)
    start_session(pending.user, pending.remember, client_address, user_agent)
    return pending.user
