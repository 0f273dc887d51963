"""The Add a customer form."""

from flask_wtf import FlaskForm
from wtforms import EmailField, StringField, TelField
from wtforms.validators import DataRequired, Email, Length, Regexp

from ..web.i18n import lazy_gettext


class AddCustomerForm(FlaskForm):
    """Business contact details of a new multi-tenant customer."""

    company = StringField(
        lazy_gettext("Company name"),
        validators=[
            DataRequired(lazy_gettext("Enter the company's name.")),
            Length(max=120, message=lazy_gettext("Use at most %(max)d characters.")),
        ],
    )
    first_name = StringField(
        lazy_gettext("First name"),
        validators=[
            DataRequired(lazy_gettext("Enter the contact's first name.")),
            Length(max=60, message=lazy_gettext("Use at most %(max)d characters.")),
        ],
    )
    last_name = StringField(
        lazy_gettext("Last name"),
        validators=[
            DataRequired(lazy_gettext("Enter the contact's last name.")),
            Length(max=60, message=lazy_gettext("Use at most %(max)d characters.")),
        ],
    )
    email = EmailField(
        lazy_gettext("Business email"),
        validators=[
            DataRequired(lazy_gettext("Enter the contact's business email.")),
            Length(max=254, message=lazy_gettext("That email is too long.")),
            Email(lazy_gettext("Enter a valid email address.")),
        ],
    )
    phone = TelField(
        lazy_gettext("Phone"),
        validators=[
            DataRequired(lazy_gettext("Enter a phone number.")),
            Length(max=30, message=lazy_gettext("Use at most %(max)d characters.")),
            Regexp(r"^\+?[0-9 ()./-]{5,}$", message=lazy_gettext("Use digits, spaces and + ( ) - . / only.")),
        ],
    )
    country = StringField(
        lazy_gettext("Country"),
        validators=[
            DataRequired(lazy_gettext("Enter the country.")),
            Length(max=60, message=lazy_gettext("Use at most %(max)d characters.")),
        ],
    )
