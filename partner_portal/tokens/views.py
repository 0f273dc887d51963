"""Account Settings → API tokens: list, create (the secret is shown once), revoke. A customer-service
operator (who administers no organization) gets operator tokens here instead."""

from __future__ import annotations

from flask import flash, url_for
from flask_login import current_user

from ..models import Access, ApiToken, utcnow
from ..web import htmx
from ..web.guards import login_required
from ..web.i18n import gettext
from ..web.tenancy import acting, load_acting, own_or_404, scoped_or_404
from . import bp
from .forms import OperatorTokenForm, TokenForm
from .queries import operator_tokens, tokens_for
from .services import (
    TokenError,
    can_revoke,
    can_revoke_own,
    create_operator_token,
    create_token,
    revoke_token,
)


def _for_operator() -> bool:
    """True for an operator who administers no organization: their tokens are operator tokens."""
    return load_acting() is None and current_user.is_operator


def _page(form, status: int = 200, secret: str | None = None, created: ApiToken | None = None):
    """The API tokens page: the form, the token just created (once), and the list."""
    if _for_operator():
        rows = [
            (token, email, can_revoke_own(current_user, token)) for token, email in operator_tokens(current_user.id)
        ]
        is_full, operator = False, True
    else:
        me = acting()
        rows = [(token, email, can_revoke(me.administrator, token)) for token, email in tokens_for(me.administrator)]
        is_full, operator = me.administrator.is_full, False
    return htmx.render(
        "tokens/index.html",
        status=status,
        form=form,
        rows=rows,
        secret=secret,
        created=created,
        now=utcnow(),
        is_full=is_full,
        operator=operator,
    )


@bp.get("")
@login_required
def index():
    """API tokens of this organization (all for full access, else your own), or an operator's own,
    and the create form."""
    return _page(OperatorTokenForm() if _for_operator() else TokenForm())


@bp.post("")
@login_required
def create():
    """Create a token; the page shows its secret this once (it is stored only as a hash)."""
    operator = _for_operator()
    form = OperatorTokenForm() if operator else TokenForm()
    if form.validate_on_submit():
        try:
            if operator:
                token, secret = create_operator_token(current_user, form.name.data, form.expires.data)
            else:
                token, secret = create_token(
                    acting().administrator,
                    form.name.data,
                    Access(form.access.data),
                    form.permissions.data or [],
                    form.expires.data,
                )
        except TokenError as error:
            getattr(form, error.field or "name").errors.append(str(error))
        else:
            return _page(type(form)(formdata=None), secret=secret, created=token)
    return _page(form, status=422)


@bp.post("/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    """Revoke a token at once (its creator, or a full-access administrator of its organization)."""
    if _for_operator():
        token, actor = own_or_404(ApiToken, token_id, ApiToken.organization_id.is_(None)), None
    else:
        token, actor = scoped_or_404(ApiToken, token_id), acting().administrator
    try:
        revoke_token(actor, token, current_user)
    except TokenError as error:
        flash(str(error), "error")
    else:
        flash(gettext("The token %(name)s was revoked.", name=token.name), "success")
    return htmx.redirect(url_for("tokens.index"))
