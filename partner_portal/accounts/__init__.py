"""Account Settings: company account, administrators, switching organizations."""

from flask import Blueprint

bp = Blueprint("accounts", __name__, url_prefix="/account")
