"""The demo world's service-provider part: Fabrikam Health's workspace at /workspace/fabrikam, where the
documented workspace user signs in, a themed single-tenant customer and a multi-tenant one."""
from __future__ import annotations

from sqlalchemy import select

from partner_portal.csp.demo import WORKSPACE_SIGN_IN, build_workspaces, slug_for
from partner_portal.csp.uploads import LOGO_FOLDER
from partner_portal.demo.services import SIGN_INS
from partner_portal.extensions import db
from partner_portal.models import Program, Tenancy, User, Workspace, WorkspaceTheme

from ..csp_factories import make_provider
from ..factories import connect, make_admin, make_org


def test_the_workspace_user_signs_in_at_fabrikam(app, client, login, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    provider = make_provider("Northwind Cloud Partners", programs=[Program.SOLUTION_ADVISOR, Program.SERVICE_PROVIDER])
    fabrikam = make_org("Fabrikam Health")
    themed, multi = make_org("Alder Schools"), make_org("Aurora Health", tenancy=Tenancy.MULTI)
    for customer in (fabrikam, themed, multi):
        connect(provider, customer)
    build_workspaces(provider, fabrikam)

    _who, email, password = WORKSPACE_SIGN_IN
    assert WORKSPACE_SIGN_IN in SIGN_INS
    assert db.session.scalar(select(User).where(User.email == email)) is None  # never a portal user
    response = client.post("/workspace/fabrikam", data={"user_name": email, "password": password})
    assert response.status_code == 303
    assert "Patient records" in client.get("/workspace/fabrikam/apps").get_data(as_text=True)

    slugs = set(db.session.scalars(select(Workspace.slug)))
    assert slugs == {"northwind", "fabrikam", "alder-schools", "aurora-health"}
    theme = db.session.scalar(select(WorkspaceTheme))
    assert theme.customer_id == themed.id
    assert {p.name for p in (tmp_path / LOGO_FOLDER).iterdir()} == {theme.logo, theme.sign_in_logo}
    page = client.get("/workspace/alder-schools").get_data(as_text=True)
    assert "--ws-banner: #1f4d3a" in page and theme.sign_in_logo in page

    login(make_admin(provider))
    page = client.get(f"/service-provider/workspace-appearance/{multi.orgid}").get_data(as_text=True)
    assert "single-tenant feature" in page


def test_slug_for_names():
    assert slug_for("Alder Health") == "alder-health"
    assert slug_for("O'Brien & Sons, Ltd.") == "o-brien-sons-ltd"
