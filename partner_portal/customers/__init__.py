"""My Customers: the Customer Dashboard, onboarding, and per-customer pages for partners."""

from flask import Blueprint

bp = Blueprint("customers", __name__, url_prefix="/customers")
