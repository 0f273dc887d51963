"""Workspace host names: `<slug>.<WORKSPACE_BASE_DOMAIN>` serves the same pages as `/workspace/<slug>`.

A WSGI wrapper rewrites the path of a request to a workspace host into the path form before Flask
routes it, so every route exists once. On a workspace host nothing but that workspace (plus static
files and logos) can be reached: `/sign-in` there is the workspace's sign-in, never the portal's.
"""

from __future__ import annotations

import re

from flask import Flask, current_app, request, url_for

# Set on the WSGI environ when the request came to a workspace host (the value is its slug).
HOST_SLUG_KEY = "partner_portal.workspace_slug"
# Paths a workspace host serves as they are.
PASSTHROUGH = ("/static/", "/assets/", "/workspace-logos/")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


def slug_for_host(host: str, base_domain: str, portal_hosts: list[str]) -> str | None:
    """The workspace slug a Host header names, or None for the portal itself (any host listed
    exactly in TRUSTED_HOSTS stays the portal, even under the base domain)."""
    name = host.strip().lower()
    if name.startswith("["):  # an IPv6 literal is never a workspace
        return None
    name = name.partition(":")[0].rstrip(".")
    if name in portal_hosts or not name.endswith("." + base_domain):
        return None
    label = name[: -len(base_domain) - 1]
    return label if _LABEL.fullmatch(label) else None


class WorkspaceHosts:
    """WSGI middleware: requests to `<slug>.<base domain>` are served from `/workspace/<slug>`."""

    def __init__(self, app: Flask, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
        config = self.app.config
        slug = slug_for_host(
            host,
            config["WORKSPACE_BASE_DOMAIN"],
            [h for h in config.get("TRUSTED_HOSTS") or [] if not h.startswith(".")],
        )
        path = environ.get("PATH_INFO") or "/"
        if slug and not path.startswith(PASSTHROUGH):
            environ[HOST_SLUG_KEY] = slug
            environ["PATH_INFO"] = f"/workspace/{slug}" + ("" if path == "/" else path)
        return self.wsgi_app(environ, start_response)


def install(app: Flask) -> None:
    """Wrap the app's WSGI callable (once)."""
    if not isinstance(app.wsgi_app, WorkspaceHosts):
        app.wsgi_app = WorkspaceHosts(app, app.wsgi_app)


def _path_prefix(slug: str) -> str:
    return f"/workspace/{slug}"


def on_own_host(slug: str) -> bool:
    """True when this request came to the workspace's own host name."""
    return request.environ.get(HOST_SLUG_KEY) == slug


def workspace_url(endpoint: str, slug: str, **values) -> str:
    """A link to a workspace page that stays in the form the visitor used: the path form, or on the
    workspace's host name the same path without its `/workspace/<slug>` prefix."""
    url = url_for(endpoint, slug=slug, **values)
    prefix = request.script_root + _path_prefix(slug)
    if on_own_host(slug) and url.startswith(prefix):
        return request.script_root + (url[len(prefix) :] or "/")
    return url


def cookie_path(slug: str) -> str:
    """The path a workspace's session cookie is scoped to: its own pages and nothing else."""
    return request.script_root + ("/" if on_own_host(slug) else _path_prefix(slug))


def host_url(slug: str) -> str:
    """The workspace's own address, e.g. https://fabrikam.workspaces.example (with this request's
    port, so local addresses work as shown)."""
    scheme = current_app.config.get("PREFERRED_URL_SCHEME", "http")
    port = request.host.rpartition(":")[2] if ":" in request.host and not request.host.endswith("]") else ""
    return f"{scheme}://{slug}.{current_app.config['WORKSPACE_BASE_DOMAIN']}" + (f":{port}" if port else "")
