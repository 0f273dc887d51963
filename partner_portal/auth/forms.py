"""Forms for signing in, resetting passwords, and two-factor sign-in."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from ..web.i18n import lazy_gettext
from .services import MIN_PASSWORD_LENGTH


class SignInForm(FlaskForm):
    """Email and password."""

    email = EmailField(
        lazy_gettext("Email"),
        validators=[
            DataRequired(lazy_gettext("Enter your email.")),
            Length(max=254, message=lazy_gettext("That email is too long.")),
            Email(lazy_gettext("Enter a valid email address.")),
        ],
    )
    password = PasswordField(
        lazy_gettext("Password"),
        validators=[
            DataRequired(lazy_gettext("Enter your password.")),
            Length(max=1024, message=lazy_gettext("That password is too long.")),
        ],
    )
    remember = BooleanField(lazy_gettext("Keep me signed in on this device"))
    next = HiddenField()


class ForgotPasswordForm(FlaskForm):
    """Email to send a reset link to."""

    email = EmailField(
        lazy_gettext("Email"),
        validators=[
            DataRequired(lazy_gettext("Enter your email.")),
            Length(max=254, message=lazy_gettext("That email is too long.")),
            Email(lazy_gettext("Enter a valid email address.")),
        ],
    )


class ResetPasswordForm(FlaskForm):
    """New password, twice."""

    password = PasswordField(
        lazy_gettext("New password"),
        validators=[
            DataRequired(lazy_gettext("Enter a new password.")),
            # WTForms fills in %(min)d and %(max)d.
            Length(
                min=MIN_PASSWORD_LENGTH, max=1024, message=lazy_gettext("Use between %(min)d and %(max)d characters.")
            ),
        ],
    )
    confirm = PasswordField(
        lazy_gettext("Repeat the new password"),
        validators=[
            DataRequired(lazy_gettext("Repeat the new password.")),
            EqualTo("password", lazy_gettext("The two passwords differ.")),
        ],
    )


# --- two-factor sign-in ---------------------------------------------------------------------------


def _code_field(label) -> StringField:
    return StringField(
        label,
        validators=[
            DataRequired(lazy_gettext("Enter the code.")),
            Length(max=64, message=lazy_gettext("That code is too long.")),
        ],
    )


def _password_field() -> PasswordField:
    return PasswordField(
        lazy_gettext("Your password"),
        validators=[
            DataRequired(lazy_gettext("Enter your password.")),
            Length(max=1024, message=lazy_gettext("That password is too long.")),
        ],
    )


class SignInCodeForm(FlaskForm):
    """The second step of signing in: a code from the authenticator app, or a recovery code."""

    code = _code_field(lazy_gettext("Code"))
    next = HiddenField()


class ConfirmTwoFactorForm(FlaskForm):
    """Turn two-factor sign-in on: a code of the new secret, and the password."""

    code = _code_field(lazy_gettext("6-digit code from the app"))
    password = _password_field()


class RecoveryCodesForm(FlaskForm):
    """Replace the recovery codes: the password."""

    password = _password_field()


class DisableTwoFactorForm(FlaskForm):
    """Turn two-factor sign-in off: the password and a code (or a recovery code)."""

    password = _password_field()
    code = _code_field(lazy_gettext("Code from the app, or a recovery code"))
