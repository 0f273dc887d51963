"""Sign in, Sign out, Forgot password?, reset, and signing out other sessions."""
from __future__ import annotations

from flask import current_app, flash, request, session, url_for
from flask_login import current_user, login_user, logout_user

from ..web import htmx
from ..web.guards import login_required
from ..web.ratelimits import forgot_password_limits, reset_limits, sign_in_limits
from ..web.safety import local_path
from ..models import UserSession
from ..web.tenancy import SESSION_ORG_KEY, own_or_404
from . import bp
from .forms import ForgotPasswordForm, ResetPasswordForm, SignInForm
from .queries import active_sessions, live
from .services import (
    AuthError, end_other_sessions, end_session, open_session, request_password_reset, set_password,
    user_for_reset_token,
)


@bp.route("/sign-in", methods=["GET", "POST"])
@sign_in_limits
def sign_in():
    """Show the Sign in form; on valid credentials start a session and go to `next` or home."""
    form = SignInForm()
    if request.method == "GET":
        form.next.data = local_path(request.args.get("next")) or ""
    if form.validate_on_submit():
        try:
            user = open_session(form.email.data, form.password.data, form.remember.data,
                                request.remote_addr or "", request.user_agent.string)
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
    """End the session on the server and forget its cookies (POST with CSRF, so another site can't sign you out)."""
    if current_user.is_authenticated:
        end_session(current_user.id, current_user.session_id)
    logout_user()
    session.pop(SESSION_ORG_KEY, None)
    flash("You are signed out.", "info")
    return htmx.redirect(url_for("auth.sign_in"))


@bp.route("/forgot-password", methods=["GET", "POST"])
@forgot_password_limits
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
@reset_limits
def reset_password(token: str):
    """Set a new password from an emailed link (once, before it expires)."""
    try:
        user = user_for_reset_token(token)
    except AuthError as error:
        return htmx.render("auth/reset_invalid.html", status=400, message=str(error))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        set_password(user, form.password.data)
        logout_user()  # every session just ended; forget this browser's cookies too
        flash("Your password is set. Sign in with it.", "success")
        return htmx.redirect(url_for("auth.sign_in"))
    status = 422 if form.errors else 200
    return htmx.render("auth/reset_password.html", block="reset_form", status=status, form=form, email=user.email)


def _sessions_changed(message: str):
    """After signing sessions out: the updated list for htmx, otherwise back to Account Settings."""
    if htmx.is_htmx():
        return htmx.render("accounts/settings.html", block="user_sessions", notice=message,
                           sessions=active_sessions(current_user.id, current_user.session_id))
    flash(message, "success")
    return htmx.redirect(url_for("accounts.settings") + "#user-sessions")


@bp.post("/account/sessions/sign-out-others")
@login_required
def sign_out_other_sessions():
    """Sign out every other browser of the signed-in user; this one stays signed in."""
    ended = end_other_sessions(current_user.id, current_user.session_id)
    if not ended:
        return _sessions_changed("No other session was signed in.")
    return _sessions_changed(f"Signed out {ended} other session{'' if ended == 1 else 's'}.")


@bp.post("/account/sessions/<int:session_id>/sign-out")
@login_required
def sign_out_session(session_id: int):
    """Sign out one other browser of the signed-in user (404 for anyone else's session, or this one)."""
    record = own_or_404(UserSession, session_id, UserSession.id != current_user.session_id, *live())
    device = record.device
    end_session(current_user.id, record.id)
    return _sessions_changed(f"Signed out the session on {device}.")
