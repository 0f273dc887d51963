"""Sign in (with its code step), Sign out, Forgot password?, reset, signing out other sessions,
and two-factor sign-in in Account Settings."""

from __future__ import annotations

from flask import flash, request, session, url_for
from flask_login import current_user, login_user, logout_user

from ..web import htmx
from ..web.guards import login_required
from ..web.ratelimits import forgot_password_limits, reset_limits, sign_in_limits, two_factor_limits
from ..web.i18n import gettext, ngettext
from ..web.safety import local_path
from ..connections.queries import partner_for_token
from ..models import UserSession
from ..web.tenancy import SESSION_ORG_KEY, own_or_404
from . import bp
from .forms import (
    ConfirmTwoFactorForm,
    DisableTwoFactorForm,
    ForgotPasswordForm,
    RecoveryCodesForm,
    ResetPasswordForm,
    SignInCodeForm,
    SignInForm,
)
from .queries import active_sessions, live, recovery_codes_left
from .services import (
    PENDING_SIGN_IN_KEY,
    AuthError,
    SignInExpired,
    TwoFactorRequired,
    end_other_sessions,
    end_session,
    open_session,
    pending_sign_in,
    request_password_reset,
    use_reset_link,
    user_for_reset_token,
)
from .two_factor import (
    TwoFactorError,
    confirm_enrollment,
    disable,
    enrollment,
    finish_sign_in,
    regenerate_recovery_codes,
    setup_required,
    start_enrollment,
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
            user = open_session(
                form.email.data,
                form.password.data,
                form.remember.data,
                request.remote_addr or "",
                request.user_agent.string,
            )
        except TwoFactorRequired as needed:
            # Signed in only once the code step passes: until then the browser holds the note alone.
            session.clear()
            session[PENDING_SIGN_IN_KEY] = needed.note
            return htmx.redirect(url_for("auth.sign_in_code", next=local_path(form.next.data) or None))
        except AuthError as error:
            form.password.errors.append(str(error))
        else:
            session.clear()  # a fresh session on sign-in: no fixation, no stale organization
            login_user(user, remember=form.remember.data)
            return htmx.redirect(local_path(form.next.data) or url_for("home.index"))
    status = 422 if form.errors else 200
    return htmx.render(
        "auth/sign_in.html",
        block="sign_in_form",
        status=status,
        form=form,
        invited_by=_inviting_partner(form.next.data),
    )


def _inviting_partner(next_path: str | None):
    """The partner whose invitation link sent the visitor to Sign in (so the page can say who
    invites and what happens next), or None."""
    path = (local_path(next_path) or "").split("?")[0]
    if not path.startswith("/invitations/"):
        return None
    return partner_for_token(path.removeprefix("/invitations/"))


@bp.route("/sign-in/code", methods=["GET", "POST"])
@two_factor_limits
def sign_in_code():
    """The second step of signing in: a code from the authenticator app or a recovery code, within
    five minutes of the password; Sign in again otherwise."""
    try:
        pending = pending_sign_in(session.get(PENDING_SIGN_IN_KEY))
    except SignInExpired as error:
        session.pop(PENDING_SIGN_IN_KEY, None)
        flash(str(error), "error")
        return htmx.redirect(url_for("auth.sign_in", next=local_path(request.args.get("next")) or None))
    form = SignInCodeForm()
    recovery = request.args.get("recovery") == "1"
    form.code.label.text = gettext("Recovery code") if recovery else gettext("6-digit code")
    if request.method == "GET":
        form.next.data = local_path(request.args.get("next")) or ""
    if form.validate_on_submit():
        try:
            user = finish_sign_in(pending, form.code.data, request.remote_addr or "", request.user_agent.string)
        except TwoFactorError as error:
            form.code.errors.append(str(error))
        else:
            session.clear()
            login_user(user, remember=pending.remember)
            return htmx.redirect(local_path(form.next.data) or url_for("home.index"))
    status = 422 if form.errors else 200
    return htmx.render("auth/sign_in_code.html", block="code_form", status=status, form=form, recovery=recovery)


@bp.post("/sign-out")
def sign_out():
    """End the session on the server and forget its cookies (POST with CSRF, so another site can't sign you out)."""
    if current_user.is_authenticated:
        end_session(current_user.id, current_user.session_id)
    logout_user()
    session.pop(SESSION_ORG_KEY, None)
    flash(gettext("You are signed out."), "info")
    return htmx.redirect(url_for("auth.sign_in"))


@bp.route("/forgot-password", methods=["GET", "POST"])
@forgot_password_limits
def forgot_password():
    """Send a reset link; the answer is the same whether or not the email has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        request_password_reset(form.email.data, request.url_root)
        flash(gettext("If an account uses that email, a link to set its password is on its way."), "info")
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
        try:
            use_reset_link(token, form.password.data)
        except AuthError as error:  # spent meanwhile by another request with the same link
            return htmx.render("auth/reset_invalid.html", status=400, message=str(error))
        logout_user()  # every session just ended; forget this browser's cookies too
        flash(gettext("Your password is set. Sign in with it."), "success")
        return htmx.redirect(url_for("auth.sign_in"))
    status = 422 if form.errors else 200
    return htmx.render("auth/reset_password.html", block="reset_form", status=status, form=form, email=user.email)


def _sessions_changed(message: str):
    """After signing sessions out: the updated list for htmx, otherwise back to Account Settings."""
    if htmx.is_htmx():
        return htmx.render(
            "accounts/settings.html",
            block="user_sessions",
            notice=message,
            sessions=active_sessions(current_user.id, current_user.session_id),
        )
    flash(message, "success")
    return htmx.redirect(url_for("accounts.settings") + "#user-sessions")


@bp.post("/account/sessions/sign-out-others")
@login_required
def sign_out_other_sessions():
    """Sign out every other browser of the signed-in user; this one stays signed in."""
    ended = end_other_sessions(current_user.id, current_user.session_id)
    if not ended:
        return _sessions_changed(gettext("No other session was signed in."))
    return _sessions_changed(ngettext("Signed out %(num)d other session.", "Signed out %(num)d other sessions.", ended))


@bp.post("/account/sessions/<int:session_id>/sign-out")
@login_required
def sign_out_session(session_id: int):
    """Sign out one other browser of the signed-in user (404 for anyone else's session, or this one)."""
    record = own_or_404(UserSession, session_id, UserSession.id != current_user.session_id, *live())
    device = record.device
    end_session(current_user.id, record.id)
    return _sessions_changed(gettext("Signed out the session on %(device)s.", device=device))


# --- two-factor sign-in in Account Settings ------------------------------------------------------

# What a person who must still turn two-factor sign-in on (REQUIRE_TWO_FACTOR) may open.
OPEN_BEFORE_SETUP = frozenset(
    {"static", "auth.sign_out", "auth.two_factor", "auth.start_two_factor", "auth.confirm_two_factor"}
)


@bp.before_app_request
def require_two_factor():
    """With REQUIRE_TWO_FACTOR, send a signed-in person without two-factor sign-in to its set-up
    before anything else (Sign out stays open)."""
    if request.endpoint not in OPEN_BEFORE_SETUP and current_user.is_authenticated and setup_required(current_user):
        return htmx.redirect(url_for("auth.two_factor"))
    return None


def _two_factor_page(status: int = 200, **context):
    """The two-factor page, or its panel for htmx, in the state the signed-in person is in."""
    user = current_user
    context = {
        "enabled": user.has_two_factor,
        "enabled_at": user.totp_enabled_at,
        "setup": enrollment(user),
        "codes_left": recovery_codes_left(user.id) if user.has_two_factor else None,
        "required": setup_required(user),
        "confirm_form": ConfirmTwoFactorForm(formdata=None),
        "codes_form": RecoveryCodesForm(prefix="codes", formdata=None),
        "off_form": DisableTwoFactorForm(prefix="off", formdata=None),
        **context,
    }
    return htmx.render("auth/two_factor.html", block="two_factor_panel", status=status, **context)


@bp.get("/account/two-factor")
@login_required
def two_factor():
    """Two-factor sign-in: set it up with a QR code, renew recovery codes, or turn it off."""
    return _two_factor_page()


@bp.post("/account/two-factor/setup")
@login_required
def start_two_factor():
    """Create a new secret waiting for confirmation, and show its QR code and key."""
    try:
        start_enrollment(current_user)
    except TwoFactorError as error:
        return _two_factor_page(status=409, notice=str(error))
    if htmx.is_htmx():
        return _two_factor_page()
    return htmx.redirect(url_for("auth.two_factor"))


@bp.post("/account/two-factor/confirm")
@two_factor_limits
@login_required
def confirm_two_factor():
    """Turn two-factor sign-in on with a current code and the password; shows the recovery codes once."""
    form = ConfirmTwoFactorForm()
    if form.validate_on_submit():
        try:
            codes = confirm_enrollment(current_user, form.code.data, form.password.data)
        except TwoFactorError as error:
            getattr(form, error.field).errors.append(str(error))
        else:
            return _two_factor_page(new_codes=codes)
    return _two_factor_page(status=422, confirm_form=form)


@bp.post("/account/two-factor/recovery-codes")
@two_factor_limits
@login_required
def new_recovery_codes():
    """Replace the recovery codes after the password; shows the new ones once."""
    form = RecoveryCodesForm(prefix="codes")
    if form.validate_on_submit():
        try:
            codes = regenerate_recovery_codes(current_user, form.password.data)
        except TwoFactorError as error:
            getattr(form, error.field).errors.append(str(error))
        else:
            return _two_factor_page(new_codes=codes)
    return _two_factor_page(status=422, codes_form=form)


@bp.post("/account/two-factor/disable")
@two_factor_limits
@login_required
def disable_two_factor():
    """Turn two-factor sign-in off with the password and a code (or a recovery code)."""
    form = DisableTwoFactorForm(prefix="off")
    if form.validate_on_submit():
        try:
            disable(current_user, form.password.data, form.code.data)
        except TwoFactorError as error:
            getattr(form, error.field).errors.append(str(error))
        else:
            if htmx.is_htmx():
                return _two_factor_page(notice=gettext("Two-factor sign-in is off."))
            flash(gettext("Two-factor sign-in is off."), "success")
            return htmx.redirect(url_for("auth.two_factor"))
    return _two_factor_page(status=422, off_form=form)
