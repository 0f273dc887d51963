"""Completing the onboarding: the first sign-in of a single-tenant administrator created by customer service."""

from flask import Blueprint

bp = Blueprint("onboarding", __name__, url_prefix="/onboarding")
