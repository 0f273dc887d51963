"""Webhooks: signed HTTPS POSTs to endpoints an organization registers, for the events it picks."""

from flask import Blueprint

bp = Blueprint("webhooks", __name__, url_prefix="/account/webhooks")
