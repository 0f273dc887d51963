"""The form that registers a webhook endpoint."""

from flask_wtf import FlaskForm
from wtforms import URLField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from ..accounts.forms import PermissionsField
from ..models import WebhookEvent
from ..web.i18n import LazyText, format_number, lazy_gettext


class EndpointForm(FlaskForm):
    """URL and event types."""

    url = URLField(
        lazy_gettext("Endpoint URL"),
        validators=[
            DataRequired(lazy_gettext("Enter the URL that receives the events.")),
            Length(
                max=2000, message=lazy_gettext("Use at most %(num)s characters.", num=LazyText(format_number, 2000))
            ),
        ],
    )
    events = PermissionsField(
        lazy_gettext("Events"),
        choices=lambda: [SelectChoice(e.value, e.label) for e in WebhookEvent],
        validate_choice=True,
    )
