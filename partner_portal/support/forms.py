"""Partner Support Center forms: one per issue type, each with the fields its requests need."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from ..allocation.forms import WholeNumberField
from ..models import IssueType
from ..web.i18n import LazyText, format_number, lazy_gettext
from .services import RequestFields

DETAILS_MAX = 4000


def _at_most(characters: int):
    """The message "Use at most N characters.", in the language of the request that shows it."""
    return lazy_gettext("Use at most %(num)s characters.", num=LazyText(format_number, characters))


def _details(required: bool):
    """The Details field, required or optional."""
    checks = [DataRequired(lazy_gettext("Describe what you need."))] if required else [Optional()]
    return TextAreaField(
        lazy_gettext("Details"), validators=[*checks, Length(max=DETAILS_MAX, message=_at_most(DETAILS_MAX))]
    )


class OrgIdRequestForm(FlaskForm):
    """OrgID creation for single-tenant customer: the company and its first administrator."""

    company = StringField(
        lazy_gettext("Company name"),
        validators=[
            DataRequired(lazy_gettext("Enter the customer's company name.")),
            Length(max=120, message=_at_most(120)),
        ],
    )
    contact_name = StringField(
        lazy_gettext("Contact name"),
        validators=[
            DataRequired(lazy_gettext("Enter the name of the customer's contact.")),
            Length(max=120, message=_at_most(120)),
        ],
    )
    contact_email = EmailField(
        lazy_gettext("Business email"),
        validators=[
            DataRequired(lazy_gettext("Enter the contact's business email.")),
            Length(max=254, message=lazy_gettext("That email is too long.")),
            Email(lazy_gettext("Enter a valid email address.")),
        ],
    )
    country = StringField(
        lazy_gettext("Country"),
        validators=[
            DataRequired(lazy_gettext("Enter the customer's country.")),
            Length(max=60, message=_at_most(60)),
        ],
    )
    details = _details(required=False)


class AllocationRequestForm(FlaskForm):
    """License allocation for single-tenant customer: which customer, product and quantity. The
    customer is looked up through the tenancy helper, the product checked by the service."""

    customer = SelectField(
        lazy_gettext("Customer"),
        validate_choice=False,
        validators=[InputRequired(lazy_gettext("Choose the customer."))],
    )
    product = SelectField(
        lazy_gettext("Product"), validate_choice=False, validators=[InputRequired(lazy_gettext("Choose a product."))]
    )
    quantity = WholeNumberField(
        lazy_gettext("Quantity"), validators=[InputRequired(lazy_gettext("Enter the number of licenses."))]
    )
    details = _details(required=False)


class GeneralRequestForm(FlaskForm):
    """Anything else: a description."""

    details = _details(required=True)


FORMS = {
    IssueType.ORGID_CREATION: OrgIdRequestForm,
    IssueType.LICENSE_ALLOCATION: AllocationRequestForm,
    IssueType.GENERAL: GeneralRequestForm,
}


TEXT_FIELDS = ("company", "contact_name", "contact_email", "country", "details")


def issue_type_of(value: str | None) -> IssueType | None:
    """The issue type a form names, or None when it names none we support."""
    return next((kind for kind in IssueType if kind.value == value), None)


def request_fields(form, customer) -> RequestFields:
    """What a validated request form carries, for submit_request (the page's and the API's)."""
    texts = {name: form[name].data or "" for name in TEXT_FIELDS if name in form}
    return RequestFields(
        **texts,
        customer=customer,
        service_code=form.product.data if "product" in form else "",
        quantity=form.quantity.data if "quantity" in form else None,
    )
