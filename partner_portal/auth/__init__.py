"""Sign in, sign out, password reset."""

from flask import Blueprint

bp = Blueprint("auth", __name__)
