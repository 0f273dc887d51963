"""Manage Licenses: a partner's multi-tenant orders, Cloud Licenses and Allocate."""

from flask import Blueprint

bp = Blueprint("allocation", __name__, url_prefix="/licenses")
