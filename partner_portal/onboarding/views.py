"""Complete the onboarding: the emailed link of a single-tenant administrator created by customer service."""

from __future__ import annotations

from flask import flash, request, session, url_for
from flask_login import login_user

from ..auth.services import start_session
from ..support.queries import requesting_partner
from ..web import htmx
from ..web.i18n import gettext
from ..web.ratelimits import reset_limits
from . import bp
from .forms import OnboardingForm
from .services import OnboardingError, complete_onboarding, read_onboarding_token


@bp.route("/<token>", methods=["GET", "POST"])
@reset_limits
def complete(token: str):
    """Set a password and confirm the company details and country, then land on Account Settings."""
    try:
        user, org = read_onboarding_token(token)
    except OnboardingError as error:
        return htmx.render("onboarding/invalid.html", status=400, message=str(error))
    partner = requesting_partner(org.id)
    form = OnboardingForm(data={"company": org.name, "country": org.country})
    if form.validate_on_submit():
        try:
            user, org = complete_onboarding(
                token, form.password.data, form.company.data.strip(), form.country.data.strip()
            )
        except OnboardingError as error:
            getattr(form, error.field or "password").errors.append(str(error))
        else:
            start_session(user, False, request.remote_addr or "", request.user_agent.string)
            session.clear()  # a fresh session on sign-in, as Sign in does
            login_user(user)
            flash(
                gettext(
                    "Welcome to Partner Portal: %(org)s is ready. To connect with %(partner)s, open the invitation "
                    "link %(partner)s sends you and select Accept.",
                    org=org.name,
                    partner=partner,
                )
                if partner
                else gettext(
                    "Welcome to Partner Portal: %(org)s is ready. To connect with a partner, open the invitation "
                    "link it sends you and select Accept.",
                    org=org.name,
                ),
                "success",
            )
            return htmx.redirect(url_for("accounts.settings") + "#partner-connections")
    status = 422 if form.errors else 200
    return htmx.render(
        "onboarding/complete.html",
        block="onboarding_form",
        status=status,
        form=form,
        user=user,
        org=org,
        partner=partner,
    )
