"""Partner Support Center: requests to customer service (Org IDs and license allocations for
single-tenant customers, general questions)."""

from flask import Blueprint

bp = Blueprint("support", __name__, url_prefix="/support")
