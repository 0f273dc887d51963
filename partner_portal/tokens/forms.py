"""The forms that create an API token."""

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from ..accounts.forms import AccessForm
from .services import EXPIRY_DAYS


class OperatorTokenForm(FlaskForm):
    """Name and expiry: an operator's token reaches the operator routes, nothing else."""

    name = StringField(
        "Token name",
        validators=[DataRequired("Give the token a name."), Length(max=80, message="Use at most 80 characters.")],
    )
    expires = SelectField(
        "Expires after", coerce=int, default=90, choices=[SelectChoice(days, f"{days} days") for days in EXPIRY_DAYS]
    )


class TokenForm(AccessForm, OperatorTokenForm):
    """Name, expiry, and the same access choices as an administrator's."""
