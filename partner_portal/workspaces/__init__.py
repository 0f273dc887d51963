"""Workspaces: the pages directory users of a service provider's domains sign in to, at
`/workspace/<slug>` or at the workspace's own host name, and the logos those pages show."""

from flask import Blueprint

bp = Blueprint("workspaces", __name__)


@bp.record_once
def _serve_workspace_hosts(state) -> None:
    """Answer `<slug>.<WORKSPACE_BASE_DOMAIN>` with the workspace's pages (see hosts.py)."""
    from .hosts import install

    install(state.app)
