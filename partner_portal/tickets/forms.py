"""The Open a ticket form."""

from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from ..models import TicketSeverity
from ..web.i18n import LazyText, format_number, lazy_gettext


def _at_most(characters: int):
    """The message "Use at most N characters.", in the language of the request that shows it."""
    return lazy_gettext("Use at most %(num)s characters.", num=LazyText(format_number, characters))


class TicketForm(FlaskForm):
    """Subject, description and severity of a new support ticket."""

    subject = StringField(
        lazy_gettext("Subject"),
        validators=[
            DataRequired(lazy_gettext("Say in a few words what is wrong.")),
            Length(max=200, message=_at_most(200)),
        ],
    )
    description = TextAreaField(
        lazy_gettext("Description"),
        validators=[
            DataRequired(lazy_gettext("Describe what happens, since when, and who is affected.")),
            Length(max=5000, message=_at_most(5000)),
        ],
    )
    severity = RadioField(
        lazy_gettext("Severity"),
        default=TicketSeverity.NORMAL.value,
        choices=lambda: [SelectChoice(s.value, s.label) for s in TicketSeverity],  # labels in the request's language
        validators=[DataRequired(lazy_gettext("Choose a severity."))],
    )
