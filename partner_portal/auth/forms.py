"""Forms for signing in and resetting passwords."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from .services import MIN_PASSWORD_LENGTH


class SignInForm(FlaskForm):
    """Email and password."""

    email = EmailField("Email", validators=[DataRequired("Enter your email."), Length(max=254, message="That email is too long."), Email("Enter a valid email address.")])
    password = PasswordField("Password", validators=[DataRequired("Enter your password."), Length(max=1024, message="That password is too long.")])
    remember = BooleanField("Keep me signed in on this device")
    next = HiddenField()


class ForgotPasswordForm(FlaskForm):
    """Email to send a reset link to."""

    email = EmailField("Email", validators=[DataRequired("Enter your email."), Length(max=254, message="That email is too long."), Email("Enter a valid email address.")])


class ResetPasswordForm(FlaskForm):
    """New password, twice."""

    password = PasswordField("New password", validators=[
        DataRequired("Enter a new password."),
        Length(min=MIN_PASSWORD_LENGTH, max=1024, message=f"Use between {MIN_PASSWORD_LENGTH} and 1024 characters."),
    ])
    confirm = PasswordField("Repeat the new password", validators=[
        DataRequired("Repeat the new password."), EqualTo("password", "The two passwords differ."),
    ])
