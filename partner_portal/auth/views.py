"""Sign in, Sign out, Forgot password?, reset."""
from __future__ import annotations

from flask import current_app, flash, request, session, url_for
from flask_login import current_user, login_user, logout_user

from ..extensions import limiter
from ..web import htmx
from ..web.safety import local_path
from ..web.tenancy import SESSION_ORG_KEY
from . import bp
from .forms import ForgotPasswordForm, ResetPasswordForm, SignInForm
from .services import AuthError, authenticate, request_password_reset, set_password, user_for_reset_token


def _sign_in_limit() -> str:
    return current_app.config["SIGN_IN_RATE_LIMIT"]


def _post_only() -> bool:
    """Rate limits count submissions, not page views."""
    return request.method != "POST"


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, exempt_when=_post_only)
def sign_in():
    """Show the Sign in form; on valid credentials start a session and go to `next` or home."""
    form = SignInForm()
    if request.method == "GET":
        form.next.data = local_path(request.args.get("next")) or ""
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data, form.password.data)
        except AuthError as error:
            form.password.errors.append(str(error))
        else:
            session.clear()  # a fresh session on sign-in: no fixation, no stale organization
            login_user(user, remember=form.remember.data)
            return htmx.redirect(local_path(form.next.data) or url_for("home.index"))
    status = 422 if form.errors else 200
    return htmx.render("auth/sign_in.html", block="sign_in_form", status=status, form=form)


@bp.post("/sign-out")
def sign_out():
    """End the session (POST with CSRF, so another site can't sign you out)."""
    logout_user()
    session.pop(SESSION_ORG_KEY, None)
    flash("You are signed out.", "info")
    return htmx.redirect(url_for("auth.sign_in"))


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, exempt_when=_post_only)
def forgot_password():
    """Send a reset link; the answer is the same whether or not the email has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        request_password_reset(form.email.data, request.url_root)
        flash("If an account uses that email, a link to set its password is on its way.", "info")
        return htmx.redirect(url_for("auth.sign_in"))
    status = 422 if form.errors else 200
    return htmx.render("auth/forgot_password.html", block="forgot_form", status=status, form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, exempt_when=_post_only)
def reset_password(token: str):
    """Set a new password from an emailed link (once, before it expires)."""
    try:
        user = user_for_reset_token(token)
    except AuthError as error:
        return htmx.render("auth/reset_invalid.html", status=400, message=str(error))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        set_password(user, form.password.data)
        if current_user.is_authenticated:
            logout_user()
        flash("Your password is set. Sign in with it.", "success")
        return htmx.redirect(url_for("auth.sign_in"))
    status = 422 if form.errors else 200
    return htmx.render("auth/reset_password.html", block="reset_form", status=status, form=form, email=user.email)
