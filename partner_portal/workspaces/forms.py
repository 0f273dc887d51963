"""The workspace sign-in form."""

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..web.i18n import lazy_gettext


class WorkspaceSignInForm(FlaskForm):
    """A directory user's name (user@domain) and password."""

    user_name = StringField(
        lazy_gettext("User name"),
        validators=[
            DataRequired(lazy_gettext("Enter your user name, e.g. name@yourdomain.")),
            Length(max=254, message=lazy_gettext("That user name is too long.")),
        ],
    )
    password = PasswordField(
        lazy_gettext("Password"),
        validators=[
            DataRequired(lazy_gettext("Enter your password.")),
            Length(max=1024, message=lazy_gettext("That password is too long.")),
        ],
    )
