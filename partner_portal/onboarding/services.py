"""Onboarding links (signed, expiring, single use) and completing the onboarding: set a password,
confirm the company details and country."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from ..audit.services import record
from ..auth.passwords import hash_password
from ..auth.services import (
    AuthError,
    check_password_rules,
    password_fingerprint,
    signed_token,
    store_password,
    user_for_signed_token,
)
from ..database import begin_serialized
from ..extensions import db
from ..models import ActivityKind, Administrator, Organization, User
from ..web.i18n import gettext, lazy_gettext

PURPOSE = "onboarding"
REMEDY = lazy_gettext("Set your password with Forgot password? on the Sign in page instead.")


class OnboardingError(Exception):
    """A user-facing refusal; `field` names the form field it concerns, if any."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def onboarding_token(user: User, org: Organization) -> str:
    """The token of `user`'s onboarding link for `org`: valid for ONBOARDING_LINK_MAX_AGE, and
    only until a password is set (with it, or with Forgot password?)."""
    return signed_token(user, PURPOSE, o=org.id)


def read_onboarding_token(token: str) -> tuple[User, Organization]:
    """The administrator and organization an onboarding link is for; raises OnboardingError when
    it expired, was tampered with or was used, or the person no longer administers the organization."""
    try:
        user, data = user_for_signed_token(
            token, PURPOSE, current_app.config["ONBOARDING_LINK_MAX_AGE"], gettext("onboarding link"), str(REMEDY)
        )
    except AuthError as error:
        raise OnboardingError(str(error)) from None
    org = db.session.get(Organization, data.get("o")) if isinstance(data.get("o"), int) else None
    if (
        org is None
        or db.session.scalar(
            select(Administrator.id).where(Administrator.user_id == user.id, Administrator.organization_id == org.id)
        )
        is None
    ):
        raise OnboardingError(
            gettext("This onboarding link no longer matches an account you administer. %(remedy)s", remedy=REMEDY)
        )
    return user, org


def complete_onboarding(token: str, password: str, company: str, country: str) -> tuple[User, Organization]:
    """Set the administrator's password and confirm the organization's name and country, once:
    the password spends the link (a second submission finds it used). Raises OnboardingError
    (nothing written)."""
    user, org = read_onboarding_token(token)
    try:
        check_password_rules(password)
    except AuthError as error:
        raise OnboardingError(str(error), "password") from None
    fingerprint, user_id, org_id = password_fingerprint(user), user.id, org.id
    new_hash = hash_password(password)  # slow on purpose: before taking the lock
    begin_serialized(User, user_id)
    user = db.session.get(User, user_id, populate_existing=True)
    if password_fingerprint(user) != fingerprint:
        db.session.rollback()
        raise OnboardingError(gettext("This onboarding link has already been used. %(remedy)s", remedy=REMEDY))
    store_password(user, new_hash)
    org = db.session.get(Organization, org_id)
    org.name, org.country = company, country
    record(
        org_id,
        ActivityKind.ADMINISTRATOR,
        "onboarded",
        f"{user.email} completed the onboarding: set a password and confirmed the company details "
        f"({company}, {country}).",
        by=user,
        target=user.email,
    )
    db.session.commit()
    return user, org
