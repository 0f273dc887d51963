"""The form that registers a webhook endpoint."""

from flask_wtf import FlaskForm
from wtforms import URLField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from ..accounts.forms import PermissionsField
from ..models import WebhookEvent


class EndpointForm(FlaskForm):
    """URL and event types."""

    url = URLField(
        "Endpoint URL",
        validators=[
            DataRequired("Enter the URL that receives the events."),
            Length(max=2000, message="Use at most 2,000 characters."),
        ],
    )
    events = PermissionsField(
        "Events", choices=[SelectChoice(e.value, e.label) for e in WebhookEvent], validate_choice=True
    )
