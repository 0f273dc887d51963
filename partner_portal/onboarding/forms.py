"""The Complete the onboarding form."""

from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ..auth.forms import ResetPasswordForm
from ..web.i18n import lazy_gettext


class OnboardingForm(ResetPasswordForm):
    """A password, twice (as when resetting one), and the company details to confirm."""

    company = StringField(
        lazy_gettext("Company name"),
        validators=[
            DataRequired(lazy_gettext("Enter the company's name.")),
            Length(max=120, message=lazy_gettext("Use at most %(max)d characters.", max=120)),
        ],
    )
    country = StringField(
        lazy_gettext("Country"),
        validators=[
            DataRequired(lazy_gettext("Enter the country.")),
            Length(max=60, message=lazy_gettext("Use at most %(max)d characters.", max=60)),
        ],
    )

    def validate(self, extra_validators=None) -> bool:
        """Validate, then make the (lazily translated) messages plain text, so the page escapes
        them like any other text (a lazy string counts as markup and would skip escaping)."""
        valid = super().validate(extra_validators)
        for field in self:
            field.errors = [str(error) for error in field.errors]
        return valid
