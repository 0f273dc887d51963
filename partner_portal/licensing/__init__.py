"""Licensing: usage summaries, trends, exports, and the usage-data import."""

from flask import Blueprint

bp = Blueprint("licensing", __name__)
