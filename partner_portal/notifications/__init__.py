"""Notifications: the partner's center across connected customers, each organization's own
list, triage, email copies, and the rules that write them."""

from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
