"""Operator console forms."""

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from ..models import Program
from ..web.i18n import lazy_gettext

AT_MOST_500 = lazy_gettext("Use at most %(num)s characters.", num=500)


class ResolveForm(FlaskForm):
    """Resolve a support request, with a note for the partner (the answer, for a general question)."""

    note = TextAreaField(
        lazy_gettext("Note to the partner"), validators=[Optional(), Length(max=500, message=AT_MOST_500)]
    )


class ReasonForm(FlaskForm):
    """Decline a request, or fail an allocation: the reason the partner sees."""

    reason = TextAreaField(
        lazy_gettext("Reason"),
        validators=[
            DataRequired(lazy_gettext("Give the reason the partner sees.")),
            Length(max=500, message=AT_MOST_500),
        ],
    )


class MembershipForm(FlaskForm):
    """Grant or lapse a partner-program membership."""

    program = SelectField(
        lazy_gettext("Program"),
        choices=lambda: [SelectChoice(p.value, p.label) for p in Program],  # labels in the request's language
        validators=[DataRequired(lazy_gettext("Choose a program."))],
    )
    status = RadioField(
        lazy_gettext("Membership"),
        choices=[SelectChoice("active", lazy_gettext("Active")), SelectChoice("lapsed", lazy_gettext("Lapsed"))],
        validators=[DataRequired(lazy_gettext("Choose active or lapsed."))],
    )
