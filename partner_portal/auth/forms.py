"""Forms for signing in, resetting passwords, and two-factor sign-in."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from .services import MIN_PASSWORD_LENGTH


class SignInForm(FlaskForm):
    """Email and password."""

    email = EmailField(
        "Email",
        validators=[
            DataRequired("Enter your email."),
            Length(max=254, message="That email is too long."),
            Email("Enter a valid email address."),
        ],
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired("Enter your password."), Length(max=1024, message="That password is too long.")],
    )
    remember = BooleanField("Keep me signed in on this device")
    next = HiddenField()


class ForgotPasswordForm(FlaskForm):
    """Email to send a reset link to."""

    email = EmailField(
        "Email",
        validators=[
            DataRequired("Enter your email."),
            Length(max=254, message="That email is too long."),
            Email("Enter a valid email address."),
        ],
    )


class ResetPasswordForm(FlaskForm):
    """New password, twice."""

    password = PasswordField(
        "New password",
        validators=[
            DataRequired("Enter a new password."),
            Length(
                min=MIN_PASSWORD_LENGTH, max=1024, message=f"Use between {MIN_PASSWORD_LENGTH} and 1024 characters."
            ),
        ],
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[
            DataRequired("Repeat the new password."),
            EqualTo("password", "The two passwords differ."),
        ],
    )


# --- two-factor sign-in ---------------------------------------------------------------------------


def _code_field(label: str) -> StringField:
    return StringField(
        label,
        validators=[
            DataRequired("Enter the code."),
            Length(max=64, message="That code is too long."),
        ],
    )


def _password_field() -> PasswordField:
    return PasswordField(
        "Your password",
        validators=[
            DataRequired("Enter your password."),
            Length(max=1024, message="That password is too long."),
        ],
    )


class SignInCodeForm(FlaskForm):
    """The second step of signing in: a code from the authenticator app, or a recovery code."""

    code = _code_field("Code")
    next = HiddenField()


class ConfirmTwoFactorForm(FlaskForm):
    """Turn two-factor sign-in on: a code of the new secret, and the password."""

    code = _code_field("6-digit code from the app")
    password = _password_field()


class RecoveryCodesForm(FlaskForm):
    """Replace the recovery codes: the password."""

    password = _password_field()


class DisableTwoFactorForm(FlaskForm):
    """Turn two-factor sign-in off: the password and a code (or a recovery code)."""

    password = _password_field()
    code = _code_field("Code from the app, or a recovery code")
