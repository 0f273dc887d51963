"""The Complete the onboarding form."""
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from ..auth.services import MIN_PASSWORD_LENGTH


class OnboardingForm(FlaskForm):
    """A password, twice, and the company details to confirm."""

    password = PasswordField("Choose a password", validators=[
        DataRequired("Choose a password."),
        Length(min=MIN_PASSWORD_LENGTH, max=1024, message=f"Use between {MIN_PASSWORD_LENGTH} and 1024 characters."),
    ])
    confirm = PasswordField("Repeat the password", validators=[
        DataRequired("Repeat the password."), EqualTo("password", "The two passwords differ."),
    ])
    company = StringField("Company name", validators=[DataRequired("Enter the company's name."),
                                                      Length(max=120, message="Use at most 120 characters.")])
    country = StringField("Country", validators=[DataRequired("Enter the country."),
                                                 Length(max=60, message="Use at most 60 characters.")])
