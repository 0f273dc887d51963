"""The forms that create an API token."""

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from ..accounts.forms import AccessForm
from ..web.i18n import lazy_gettext, ngettext
from .services import EXPIRY_DAYS


class OperatorTokenForm(FlaskForm):
    """Name and expiry: an operator's token reaches the operator routes, nothing else."""

    name = StringField(
        lazy_gettext("Token name"),
        validators=[
            DataRequired(lazy_gettext("Give the token a name.")),
            Length(max=80, message=lazy_gettext("Use at most %(num)s characters.", num=80)),
        ],
    )
    expires = SelectField(
        lazy_gettext("Expires after"),
        coerce=int,
        default=90,
        # Built for each form, in the language of its request.
        choices=lambda: [SelectChoice(days, ngettext("%(num)d day", "%(num)d days", days)) for days in EXPIRY_DAYS],
    )


class TokenForm(AccessForm, OperatorTokenForm):
    """Name, expiry, and the same access choices as an administrator's."""
