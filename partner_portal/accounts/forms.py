"""Administrator forms."""

from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, SelectField, SelectMultipleField, StringField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional

from ..models import Access, Permission
from ..web.i18n import LANGUAGES, lazy_gettext


class PermissionsField(SelectMultipleField):
    """Checkboxes, one per permission."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def _access_choices():
    return [
        SelectChoice(Access.FULL.value, lazy_gettext("Full access")),
        SelectChoice(Access.CUSTOM.value, lazy_gettext("Custom access")),
    ]


def _permission_choices():
    return [SelectChoice(p.value, p.lazy_label) for p in Permission]


class AccessForm(FlaskForm):
    """Access level and custom permissions."""

    access = RadioField(
        lazy_gettext("Access"),
        choices=_access_choices(),
        default=Access.CUSTOM.value,
        validators=[DataRequired(lazy_gettext("Choose full or custom access."))],
    )
    permissions = PermissionsField(lazy_gettext("Permissions"), choices=_permission_choices(), validate_choice=True)


class AddAdministratorForm(AccessForm):
    """Invite a person as administrator of the current organization."""

    email = EmailField(
        lazy_gettext("Email"),
        validators=[
            DataRequired(lazy_gettext("Enter the person's email.")),
            Length(max=254, message=lazy_gettext("That email is too long.")),
            Email(lazy_gettext("Enter a valid email address.")),
        ],
    )
    name = StringField(
        lazy_gettext("Name"),
        validators=[Optional(), Length(max=120, message=lazy_gettext("Use at most %(max)d characters."))],
    )


class LanguageForm(FlaskForm):
    """The language the portal speaks to the signed-in person; empty follows the browser."""

    language = SelectField(
        lazy_gettext("Language"),
        choices=[
            SelectChoice("", lazy_gettext("The browser's language")),
            *(SelectChoice(code, name) for code, name in LANGUAGES.items()),
        ],
        validate_choice=True,
    )
