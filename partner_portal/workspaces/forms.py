"""The workspace sign-in form."""

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length


class WorkspaceSignInForm(FlaskForm):
    """A directory user's name (user@domain) and password."""

    user_name = StringField(
        "User name",
        validators=[
            DataRequired("Enter your user name, e.g. name@yourdomain."),
            Length(max=254, message="That user name is too long."),
        ],
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired("Enter your password."), Length(max=1024, message="That password is too long.")],
    )
