"""Partner-customer connections: invitations, acceptance, removal from either side."""

from flask import Blueprint

bp = Blueprint("connections", __name__)
