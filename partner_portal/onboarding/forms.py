"""The Complete the onboarding form."""

from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ..auth.forms import ResetPasswordForm


class OnboardingForm(ResetPasswordForm):
    """A password, twice (as when resetting one), and the company details to confirm."""

    company = StringField(
        "Company name",
        validators=[DataRequired("Enter the company's name."), Length(max=120, message="Use at most 120 characters.")],
    )
    country = StringField(
        "Country", validators=[DataRequired("Enter the country."), Length(max=60, message="Use at most 60 characters.")]
    )
