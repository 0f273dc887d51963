"""The Add a customer form."""

from flask_wtf import FlaskForm
from wtforms import EmailField, StringField, TelField
from wtforms.validators import DataRequired, Email, Length, Regexp


class AddCustomerForm(FlaskForm):
    """Business contact details of a new multi-tenant customer."""

    company = StringField(
        "Company name",
        validators=[DataRequired("Enter the company's name."), Length(max=120, message="Use at most 120 characters.")],
    )
    first_name = StringField(
        "First name",
        validators=[
            DataRequired("Enter the contact's first name."),
            Length(max=60, message="Use at most 60 characters."),
        ],
    )
    last_name = StringField(
        "Last name",
        validators=[
            DataRequired("Enter the contact's last name."),
            Length(max=60, message="Use at most 60 characters."),
        ],
    )
    email = EmailField(
        "Business email",
        validators=[
            DataRequired("Enter the contact's business email."),
            Length(max=254, message="That email is too long."),
            Email("Enter a valid email address."),
        ],
    )
    phone = TelField(
        "Phone",
        validators=[
            DataRequired("Enter a phone number."),
            Length(max=30, message="Use at most 30 characters."),
            Regexp(r"^\+?[0-9 ()./-]{5,}$", message="Use digits, spaces and + ( ) - . / only."),
        ],
    )
    country = StringField(
        "Country", validators=[DataRequired("Enter the country."), Length(max=60, message="Use at most 60 characters.")]
    )
