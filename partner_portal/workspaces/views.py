"""Workspace pages: the themed sign-in, the apps and desktops page, sign-out, and logo files."""

from __future__ import annotations

from flask import Response, abort, current_app, flash, request, send_from_directory

from ..csp.uploads import MIMETYPES, is_stored_name, logo_folder
from ..extensions import limiter
from ..web import htmx
from ..web.i18n import gettext
from . import bp
from .forms import WorkspaceSignInForm
from .hosts import cookie_path, host_url, workspace_url
from .queries import Site, open_site, published_for
from .services import WorkspaceSignInError, session_token, session_user, sign_in_directory_user

SESSION_COOKIE = "workspace_session"
# Logo names are random and never reused, so a logo can be cached for good.
LOGO_MAX_AGE = 365 * 24 * 3600

bp.add_app_template_global(workspace_url, "workspace_url")
bp.add_app_template_global(host_url, "workspace_host_url")


def _sign_in_limit() -> str:
    return current_app.config["SIGN_IN_RATE_LIMIT"]


def _post_only() -> bool:
    """Rate limits count submissions, not page views."""
    return request.method != "POST"


def site_or_404(slug: str) -> Site:
    """The workspace served at `slug`; 404 for an unknown, removed or no longer served one."""
    site = open_site(slug)
    if site is None:
        abort(
            404,
            description=gettext(
                "There is no workspace at this address. Check the address your service provider gave you."
            ),
        )
    return site


def _start_session(response: Response, site: Site, token: str) -> Response:
    """Set the workspace's own session cookie, scoped to that workspace's pages."""
    config = current_app.config
    response.set_cookie(
        SESSION_COOKIE,
        token,
        path=cookie_path(site.slug),
        httponly=True,
        samesite="Lax",
        secure=config["SESSION_COOKIE_SECURE"],
    )
    return response


def _end_session(response: Response, site: Site) -> Response:
    """Delete the workspace's session cookie."""
    response.delete_cookie(
        SESSION_COOKIE,
        path=cookie_path(site.slug),
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


@bp.route("/workspace/<slug>", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, exempt_when=_post_only)
def sign_in(slug: str):
    """The workspace's themed sign-in page; valid credentials of an admitted directory user open its apps."""
    site = site_or_404(slug)
    if request.method == "GET" and session_user(site, request.cookies.get(SESSION_COOKIE)):
        return htmx.redirect(workspace_url("workspaces.apps", site.slug))
    form = WorkspaceSignInForm()
    if form.validate_on_submit():
        try:
            user = sign_in_directory_user(site, form.user_name.data, form.password.data)
        except WorkspaceSignInError as error:
            form.password.errors.append(str(error))
        else:
            return _start_session(
                htmx.redirect(workspace_url("workspaces.apps", site.slug)), site, session_token(site, user)
            )
    return htmx.render("workspaces/sign_in.html", status=422 if form.errors else 200, site=site, form=form)


@bp.get("/workspace/<slug>/apps")
def apps(slug: str):
    """The apps and desktops published for the signed-in directory user."""
    site = site_or_404(slug)
    token = request.cookies.get(SESSION_COOKIE)
    user = session_user(site, token)
    if user is None:
        if token:
            flash(
                gettext(
                    "Your workspace session has ended, or your access to this workspace was removed. Sign in again."
                ),
                "info",
            )
        return _end_session(htmx.redirect(workspace_url("workspaces.sign_in", site.slug)), site)
    return htmx.render("workspaces/apps.html", site=site, user=user, resources=published_for(site, user))


@bp.post("/workspace/<slug>/sign-out")
def sign_out(slug: str):
    """End the directory user's session of this workspace (POST with CSRF)."""
    site = site_or_404(slug)
    flash(gettext("You are signed out of the workspace."), "info")
    return _end_session(htmx.redirect(workspace_url("workspaces.sign_in", site.slug)), site)


@bp.get("/workspace-logos/<name>")
def logo(name: str):
    """A stored logo, served as the image type its content was checked to be, cacheable for a year."""
    if not is_stored_name(name):
        abort(404)
    response = send_from_directory(
        logo_folder(), name, mimetype=MIMETYPES[name.rsplit(".", 1)[1]], max_age=LOGO_MAX_AGE
    )
    response.cache_control.public = True
    response.cache_control.immutable = True
    return response
