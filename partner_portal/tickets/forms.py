"""The Open a ticket form."""

from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from ..models import TicketSeverity


class TicketForm(FlaskForm):
    """Subject, description and severity of a new support ticket."""

    subject = StringField(
        "Subject",
        validators=[
            DataRequired("Say in a few words what is wrong."),
            Length(max=200, message="Use at most 200 characters."),
        ],
    )
    description = TextAreaField(
        "Description",
        validators=[
            DataRequired("Describe what happens, since when, and who is affected."),
            Length(max=5000, message="Use at most 5,000 characters."),
        ],
    )
    severity = RadioField(
        "Severity",
        default=TicketSeverity.NORMAL.value,
        choices=[SelectChoice(s.value, s.label) for s in TicketSeverity],
        validators=[DataRequired("Choose a severity.")],
    )
