"""Account Settings → API tokens: named bearer tokens for the JSON API (/api/v1)."""

from flask import Blueprint

bp = Blueprint("tokens", __name__, url_prefix="/account/api-tokens")
