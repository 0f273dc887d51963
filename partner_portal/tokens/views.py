"""Account Settings → API tokens: list, create (the secret is shown once), revoke."""
from __future__ import annotations

from flask import flash, url_for

from ..models import Access, ApiToken, utcnow
from ..web import htmx
from ..web.guards import login_required
from ..web.tenancy import acting, scoped_or_404
from . import bp
from .forms import TokenForm
from .queries import tokens_for
from .services import TokenError, can_revoke, create_token, revoke_token


def _page(form: TokenForm, status: int = 200, secret: str | None = None, created: ApiToken | None = None):
    """The API tokens page: the form, the token just created (once), and the list."""
    me = acting()
    rows = [(token, email, can_revoke(me.administrator, token)) for token, email in tokens_for(me.administrator)]
    return htmx.render("tokens/index.html", status=status, form=form, rows=rows, secret=secret, created=created,
                       now=utcnow(), is_full=me.administrator.is_full)


@bp.get("")
@login_required
def index():
    """API tokens of this organization (all for full access, else your own) and the create form."""
    return _page(TokenForm())


@bp.post("")
@login_required
def create():
    """Create a token; the page shows its secret this once (it is stored only as a hash)."""
    form = TokenForm()
    if form.validate_on_submit():
        try:
            token, secret = create_token(acting().administrator, form.name.data, Access(form.access.data),
                                         form.permissions.data or [], form.expires.data)
        except TokenError as error:
            getattr(form, error.field or "name").errors.append(str(error))
        else:
            return _page(TokenForm(formdata=None), secret=secret, created=token)
    return _page(form, status=422)


@bp.post("/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    """Revoke a token at once (its creator, or a full-access administrator)."""
    token = scoped_or_404(ApiToken, token_id)
    try:
        revoke_token(acting().administrator, token, acting().user)
    except TokenError as error:
        flash(str(error), "error")
    else:
        flash(f"The token {token.name} was revoked.", "success")
    return htmx.redirect(url_for("tokens.index"))
