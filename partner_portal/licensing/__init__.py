"""Licensing: usage summaries, trends, exports, and the usage-data import."""
from flask import Blueprint

bp = Blueprint("licensing", __name__)

from . import views  # noqa: E402,F401
