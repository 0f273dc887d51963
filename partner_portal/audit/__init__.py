"""The activity log: who did what to which object, readable by full-access administrators."""

from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/account")
