"""Webhook secrets (encrypted at rest) and signatures.

A delivery carries, besides its JSON body:
  X-Portal-Webhook-Id         the event's id (the same on every attempt and re-send: deduplicate on it)
  X-Portal-Webhook-Event      the event type, e.g. connection.created
  X-Portal-Webhook-Timestamp  Unix seconds when this attempt was signed
  X-Portal-Webhook-Signature  "v1=" + hex HMAC-SHA256(secret, timestamp + "." + body)
Receivers recompute the HMAC over the raw body, compare in constant time, and refuse timestamps
more than a few minutes old (a replayed request keeps its old timestamp).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

SIGNATURE_HEADER = "X-Portal-Webhook-Signature"
TIMESTAMP_HEADER = "X-Portal-Webhook-Timestamp"
EVENT_HEADER = "X-Portal-Webhook-Event"
ID_HEADER = "X-Portal-Webhook-Id"
# A public marker of the kind of secret (not a secret itself): ruff S105 and bandit B105 misread it.
SECRET_PREFIX = "whsec_"  # noqa: S105  # nosec B105


def new_secret() -> str:
    """A new signing secret (256 random bits)."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _fernet() -> MultiFernet:
    """Fernet keys derived from SECRET_KEY and its fallbacks (rotation keeps old secrets readable)."""
    keys = [current_app.config["SECRET_KEY"], *current_app.config.get("SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([Fernet(_derive(key)) for key in keys])


def _derive(secret_key: str | bytes) -> bytes:
    """A Fernet key of its own for webhook secrets (never the signing key itself), by HKDF."""
    import base64

    material = secret_key.encode() if isinstance(secret_key, str) else secret_key
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"partner-portal/webhook-secret").derive(
        material
    )
    return base64.urlsafe_b64encode(derived)


def seal(secret: str) -> str:
    """The secret as stored."""
    return _fernet().encrypt(secret.encode()).decode()


def unseal(stored: str) -> str:
    """The secret back from storage."""
    return _fernet().decrypt(stored.encode()).decode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value for `body` signed at `timestamp`."""
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"
