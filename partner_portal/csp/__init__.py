"""Service-provider pages: Federated Domains (customers added to the provider's identity domains, and
their dedicated workspace URLs) and Workspace Appearance (themes of single-tenant customers)."""

from flask import Blueprint

bp = Blueprint("csp", __name__, url_prefix="/service-provider")
