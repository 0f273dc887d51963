"""The Allocate form."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField
from wtforms.validators import InputRequired

from ..web.i18n import gettext, lazy_gettext

_WHOLE = re.compile(r"[+-]?\d{1,18}")


class WholeNumberField(IntegerField):
    """A whole number typed as digits (a sign allowed, so "-3" reaches the rule that refuses it);
    anything else, "2.5" or "ten", is refused with one clear message."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = valuelist[0].strip()
        if not text:
            self.data = None
            return
        if not _WHOLE.fullmatch(text):
            self.data = None
            raise ValueError(gettext("Enter a whole number of licenses, such as 25."))
        self.data = int(text)


class AllocateForm(FlaskForm):
    """Account, product and quantity. The choices are filled by the view; any submitted account
    is looked up through the tenancy helper and any product checked by the service, so the
    selects don't validate their choices themselves."""

    account = SelectField(
        lazy_gettext("Account"), validate_choice=False, validators=[InputRequired(lazy_gettext("Choose an account."))]
    )
    product = SelectField(
        lazy_gettext("Product"), validate_choice=False, validators=[InputRequired(lazy_gettext("Choose a product."))]
    )
    quantity = WholeNumberField(
        lazy_gettext("Quantity"), validators=[InputRequired(lazy_gettext("Enter the number of licenses to allocate."))]
    )
