"""Support tickets: a customer's own support cases (partners only ever count the open ones)."""

from flask import Blueprint

bp = Blueprint("tickets", __name__, url_prefix="/tickets")
