"""The home page: sends each kind of user to where their work is."""

from flask import Blueprint

bp = Blueprint("home", __name__)
