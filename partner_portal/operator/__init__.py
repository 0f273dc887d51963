"""The operator console: customer service's support queue, allocations, partner-program
memberships and usage imports."""

from flask import Blueprint

bp = Blueprint("operator", __name__, url_prefix="/operator")
