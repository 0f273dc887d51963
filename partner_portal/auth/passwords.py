"""Password hashing with argon2id."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

# OWASP's argon2id recommendation: 19 MiB of memory, 2 iterations, 1 lane.
OWASP_PARAMETERS = {"time_cost": 2, "memory_cost": 19 * 1024, "parallelism": 1}

# A hash of a random password, verified against when the email is unknown, so that a wrong
# email costs the same time as a wrong password (no account enumeration by timing).
_DUMMY: dict[tuple, str] = {}


def hasher() -> PasswordHasher:
    """The configured hasher (tests may lower the cost through ARGON2_PARAMETERS)."""
    params = current_app.config.get("ARGON2_PARAMETERS") or OWASP_PARAMETERS
    return PasswordHasher(**params)


def hash_password(password: str) -> str:
    """Return the argon2id hash of `password`."""
    return hasher().hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """True when `password` matches `stored`; burns the same time when there is no hash."""
    ph = hasher()
    if not stored:
        key = tuple(sorted((current_app.config.get("ARGON2_PARAMETERS") or OWASP_PARAMETERS).items()))
        if key not in _DUMMY:
            _DUMMY[key] = ph.hash("not-a-real-password")
        stored, password = _DUMMY[key], "wrong"
        try:
            ph.verify(stored, password)
        except VerificationError:
            pass
        return False
    try:
        return ph.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """True when the stored hash used weaker parameters than the current ones."""
    try:
        return hasher().check_needs_rehash(stored)
    except InvalidHashError:
        return True
