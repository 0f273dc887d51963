"""The JSON API at /api/v1: bearer tokens only, the same rules as the pages, problem+json errors."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
