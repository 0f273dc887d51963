"""The expiry calendar feed: a private, revocable ICS URL per administrator."""

from flask import Blueprint

bp = Blueprint("feeds", __name__)
