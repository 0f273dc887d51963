"""Forms of the notification pages: Assign, Snooze (one per row, written out in the row
template with ids of their own) and the email preferences."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SelectMultipleField, StringField, widgets
from wtforms.fields.choices import SelectChoice

from ..models import NotificationSource
from ..web.i18n import gettext, lazy_gettext


class AssignForm(FlaskForm):
    """Assign to a colleague ("" for nobody)."""

    assignee = StringField(lazy_gettext("Assign to"))

    def assignee_id(self) -> int | None:
        """The chosen administrator's id, None for nobody, -1 for something that is no id at all
        (the service refuses it like any administrator outside the partner)."""
        value = (self.assignee.data or "").strip()
        if not value:
            return None
        return int(value) if value.isdigit() and len(value) < 10 else -1


class SnoozeForm(FlaskForm):
    """Snooze until a date, with a reason (the rules are in services.snooze)."""

    until = DateField(lazy_gettext("Snooze until"), format="%Y-%m-%d")
    reason = StringField(lazy_gettext("Reason"))

    def validate_until(self, field) -> None:
        """A missing date is the service's to explain; a malformed one gets a message people read."""
        if not (field.raw_data and field.raw_data[0].strip()):
            field.errors[:] = []
        elif field.errors:
            field.errors[:] = [gettext("Enter a date such as 2030-01-31.")]


class SourcesField(SelectMultipleField):
    """Checkboxes, one per notification type."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class PreferencesForm(FlaskForm):
    """The notification types to get email copies of."""

    sources = SourcesField(
        lazy_gettext("Email me a copy of each new notification of these types"), validate_choice=False
    )

    def use_sources(self, sources: list[NotificationSource]) -> None:
        """Offer these types (in this order)."""
        self.sources.choices = [SelectChoice(s.value, s.label) for s in sources]

    def chosen(self) -> set[NotificationSource] | None:
        """The chosen types; None when something chosen is not a type at all."""
        values = set(self.sources.data or [])
        known = {s.value for s in NotificationSource}
        return {NotificationSource(v) for v in values} if values <= known else None
