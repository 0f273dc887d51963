"""Who calls the API: a bearer token and nothing else, and the guards of its routes.

Browsers' cookies never authenticate here: before any view runs, the signed-in user of this
request is set to the token's creator (or to nobody), so Flask-Login never reads the session or
remember cookie. Without a cookie there is nothing for a cross-site request to ride on, which is
why the blueprint is exempt from CSRF (and only this blueprint).
"""

from __future__ import annotations

import hashlib
from functools import wraps

from flask import g, request
from flask_login import AnonymousUserMixin, current_user

from ..tokens.services import TokenRefused, authenticate
from ..web.tenancy import Acting, acting
from .problems import ApiError

# Routes anyone may read: the description of the API and its page.
PUBLIC_ENDPOINTS = {"api.openapi", "api.docs"}


def bearer_token() -> str | None:
    """The token of an `Authorization: Bearer …` header, or None."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def rate_limit_key() -> str:
    """Flask-Limiter's key: the token (hashed, so storage never holds one), else the address."""
    raw = bearer_token()
    if raw:
        return "api-token-" + hashlib.sha256(raw.encode()).hexdigest()[:32]
    return "api-address-" + (request.remote_addr or "unknown")


def sign_in_by_token() -> None:
    """Before each API request: act as the token's creator in its organization, or as nobody."""
    g._login_user = AnonymousUserMixin()
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        return
    raw = bearer_token()
    if raw is None:
        raise ApiError(401, "Send an API token as 'Authorization: Bearer <token>'. Cookies are not accepted.")
    try:
        role, org, user, token = authenticate(raw)
    except TokenRefused as refused:
        raise ApiError(401, str(refused)) from None
    g._login_user, g.api_token = user, token
    # An operator's token acts in no organization: acting() answers 403 on every other route.
    g.acting = None if role is None else Acting(role, org)
    g.administered = []


def operator_token_required(view):
    """Guard an operator route: a customer-service operator's own token (403 for any other)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not (g.api_token.for_operator and current_user.is_operator):
            raise ApiError(403, "This needs a customer-service operator's token.")
        return view(*args, **kwargs)

    return wrapped


def full_access(me) -> bool:
    """True for a full-access role (the token's and its creator's)."""
    return me.administrator.is_full


def requires(predicate, message: str):
    """Guard a route with one of web.guards' predicates over the acting role (403 when false)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not predicate(acting()):
                raise ApiError(403, message)
            return view(*args, **kwargs)

        return wrapped

    return decorator
