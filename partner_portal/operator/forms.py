"""Operator console forms."""

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from ..models import Program


class ResolveForm(FlaskForm):
    """Resolve a support request, with a note for the partner (the answer, for a general question)."""

    note = TextAreaField(
        "Note to the partner", validators=[Optional(), Length(max=500, message="Use at most 500 characters.")]
    )


class ReasonForm(FlaskForm):
    """Decline a request, or fail an allocation: the reason the partner sees."""

    reason = TextAreaField(
        "Reason",
        validators=[
            DataRequired("Give the reason the partner sees."),
            Length(max=500, message="Use at most 500 characters."),
        ],
    )


class MembershipForm(FlaskForm):
    """Grant or lapse a partner-program membership."""

    program = SelectField(
        "Program",
        choices=[SelectChoice(p.value, p.label) for p in Program],
        validators=[DataRequired("Choose a program.")],
    )
    status = RadioField(
        "Membership",
        choices=[SelectChoice("active", "Active"), SelectChoice("lapsed", "Lapsed")],
        validators=[DataRequired("Choose active or lapsed.")],
    )
