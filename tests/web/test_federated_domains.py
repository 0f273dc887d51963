"""Federated Domains: a Service Provider adds connected customers to its domains (each gets a dedicated
workspace URL, unique, well-formed, at most 10 per account) and removes them."""
from __future__ import annotations

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from partner_portal.extensions import db
from partner_portal.models import Access, Permission, Program, Tenancy, Workspace, WorkspaceDomain

from ..conftest import htmx_headers
from ..csp_factories import (
    add_to_domain, make_directory_user, make_domain, make_provider, make_shared_workspace,
)
from ..factories import connect, make_admin, make_org, make_partner

PAGE = "/service-provider/federated-domains"


@pytest.fixture
def provider_setup(client, login):
    """A signed-in full-access Service Provider administrator, a domain with one customer added, and a
    connected customer not added yet."""
    provider = make_provider("Northwind", programs=[Program.SOLUTION_ADVISOR, Program.SERVICE_PROVIDER])
    user = make_admin(provider)
    domain = make_domain(provider, "corp.example")
    fabrikam = make_org("Fabrikam Health")
    tailspin = make_org("Tailspin Retail", tenancy=Tenancy.MULTI)
    connect(provider, fabrikam)
    connect(provider, tailspin)
    make_directory_user(domain, fabrikam, "wren")
    add_to_domain(domain, fabrikam, "fabrikam")
    login(user)
    return provider, domain, fabrikam, tailspin


def _add(client, domain, customer, slug="", **kwargs):
    prefix = f"domain-{domain.id}-"
    return client.post(f"{PAGE}/{domain.id}/customers",
                       data={prefix + "customer": customer.orgid if customer else "", prefix + "slug": slug}, **kwargs)


def _workspaces(provider) -> list[str]:
    return sorted(db.session.scalars(select(Workspace.slug).where(Workspace.provider_id == provider.id)))


def _links() -> int:
    return db.session.scalar(select(func.count()).select_from(WorkspaceDomain))


def test_page_lists_domains_their_customers_and_workspace_urls(client, provider_setup):
    provider, domain, fabrikam, tailspin = provider_setup
    response = client.get(PAGE)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "corp.example" in page and "1 directory user" in page
    section = page[page.index('id="domain-'):]
    assert "Fabrikam Health" in section and "http://fabrikam.localhost" in section and "/workspace/fabrikam" in section
    select_box = section[section.index("<select"):section.index("</select>")]
    assert "Tailspin Retail" in select_box and "Fabrikam Health" not in select_box
    assert "<strong>1</strong> of 10 URLs" in page


def test_fragment_and_history_restore(client, provider_setup):
    fragment = client.get(PAGE, headers=htmx_headers()).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="federation">') and "<html" not in fragment
    restored = client.get(PAGE, headers=htmx_headers(**{"HX-History-Restore-Request": "true"}))
    assert "<html" in restored.get_data(as_text=True) and "HX-Request" in restored.headers["Vary"]


def test_adding_a_customer_gives_it_a_dedicated_workspace(client, provider_setup):
    provider, domain, fabrikam, tailspin = provider_setup
    response = _add(client, domain, tailspin, " Tailspin-Retail ")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"{PAGE}#domain-{domain.id}")
    assert _workspaces(provider) == ["fabrikam", "tailspin-retail"]
    page = client.get(PAGE).get_data(as_text=True)
    assert "Its users sign in at http://tailspin-retail.localhost" in page
    assert "<strong>2</strong> of 10 URLs" in page


def test_adding_with_htmx_answers_the_updated_region(client, provider_setup):
    provider, domain, fabrikam, tailspin = provider_setup
    response = _add(client, domain, tailspin, "tailspin", headers=htmx_headers())
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.lstrip().startswith('<div id="federation">')
    assert "/workspace/tailspin" in body and "<strong>2</strong> of 10 URLs" in body


def test_a_customer_with_a_workspace_keeps_it_in_a_second_domain(client, provider_setup):
    provider, domain, fabrikam, tailspin = provider_setup
    second = make_domain(provider, "west.example")
    assert _add(client, second, fabrikam, "ignored-name").status_code == 303
    assert _workspaces(provider) == ["fabrikam"] and _links() == 2


@pytest.mark.parametrize("slug, message", [
    ("", "Enter a name for the workspace URL"),
    ("ab", "Use 3 to 63 characters"),
    ("a" * 64, "Use 3 to 63 characters"),
    ("tail spin", "Use only letters, digits and hyphens"),
    ("tail.spin", "Use only letters, digits and hyphens"),
    ("tailspín", "Use only letters, digits and hyphens"),
    ("<script>", "Use only letters, digits and hyphens"),
    ("9tailspin", "Start with a letter"),
    ("-tailspin", "Start with a letter"),
    ("tailspin-", "Don't end with a hyphen"),
    ("tail--spin", "two hyphens in a row"),
    ("www", "is reserved"),
    ("fabrikam", "already in use"),
    ("FABRIKAM", "already in use"),
])
def test_malformed_or_taken_slugs_are_refused_and_nothing_is_written(client, provider_setup, slug, message):
    provider, domain, fabrikam, tailspin = provider_setup
    response = _add(client, domain, tailspin, slug)
    assert response.status_code == 422 and escape(message) in response.get_data(as_text=True)
    assert _workspaces(provider) == ["fabrikam"] and _links() == 1


def test_a_slug_of_another_providers_workspace_is_taken_too(client, provider_setup):
    provider, domain, fabrikam, tailspin = provider_setup
    make_shared_workspace(make_provider(), "bluewave")
    response = _add(client, domain, tailspin, "bluewave")
    assert response.status_code == 422 and "already in use" in response.get_data(as_text=True)


def test_the_eleventh_workspace_url_is_refused(client, provider_setup):
    provider, domain, fabrikam, tailspin = provider_setup
    make_shared_workspace(provider, "northwind")
    for n in range(8):
        customer = make_org()
        connect(provider, customer)
        add_to_domain(domain, customer, f"customer-{n}")
    assert len(_workspaces(provider)) == 10
    response = _add(client, domain, tailspin, "tailspin")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "already has 10 workspace URLs" in page
    assert len(_workspaces(provider)) == 10
    # Customers that have a workspace can still join another domain.
    assert _add(client, make_domain(provider), fabrikam).status_code == 303


@pytest.mark.parametrize("who", ["nobody", "unconnected", "ended", "rivals", "already added"])
def test_customers_that_cannot_be_added_are_refused_with_a_message(client, provider_setup, who):
    provider, domain, fabrikam, tailspin = provider_setup
    if who == "nobody":
        customer, message = None, "Choose one of your connected customers"
    elif who == "unconnected":
        customer, message = make_org("Stranger"), "Choose one of your connected customers"
    elif who == "ended":
        customer, message = make_org("Former"), "Choose one of your connected customers"
        from partner_portal.models import utcnow
        connect(provider, customer).ended_at = utcnow()
    elif who == "rivals":
        customer, message = make_org("Rival's"), "Choose one of your connected customers"
        connect(make_partner("Rival"), customer)
    else:
        customer, message = fabrikam, "Fabrikam Health is already added to this domain"
    response = _add(client, domain, customer, "fresh-name")
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert _workspaces(provider) == ["fabrikam"] and _links() == 1


def test_another_providers_domain_is_a_404(client, provider_setup):
    provider, domain, fabrikam, tailspin = provider_setup
    foreign = make_domain(make_provider(), "rival.example")
    add_to_domain(foreign, fabrikam, "rival-fabrikam")
    assert _add(client, foreign, tailspin, "tailspin").status_code == 404
    assert client.get(f"{PAGE}/{foreign.id}/customers/{fabrikam.orgid}/remove").status_code == 404
    assert client.post(f"{PAGE}/{foreign.id}/customers/{fabrikam.orgid}/remove").status_code == 404
    assert client.get(f"{PAGE}/999999/customers/{fabrikam.orgid}/remove").status_code == 404
    assert _links() == 2


def test_remove_asks_first_then_revokes(client, provider_setup):
    provider, domain, fabrikam, tailspin = provider_setup
    path = f"{PAGE}/{domain.id}/customers/{fabrikam.orgid}/remove"
    page = client.get(path).get_data(as_text=True)
    assert "Remove Fabrikam Health from corp.example?" in page and "<html" in page and " open" in page
    dialog = client.get(path, headers=htmx_headers()).get_data(as_text=True)
    assert dialog.lstrip().startswith("<dialog") and "data-modal" in dialog
    assert _links() == 1  # looking changes nothing
    response = client.post(path)
    assert response.status_code == 303
    # Its last domain gone, the workspace URL is free again.
    assert _links() == 0 and _workspaces(provider) == []
    assert "Fabrikam Health was removed from corp.example" in client.get(PAGE).get_data(as_text=True)


def test_remove_with_htmx_answers_the_region_and_keeps_other_domains(client, provider_setup):
    provider, domain, fabrikam, tailspin = provider_setup
    other = make_domain(provider, "west.example")
    add_to_domain(other, fabrikam)
    response = client.post(f"{PAGE}/{domain.id}/customers/{fabrikam.orgid}/remove", headers=htmx_headers())
    assert response.status_code == 200 and response.get_data(as_text=True).lstrip().startswith('<div id="federation">')
    assert _links() == 1 and _workspaces(provider) == ["fabrikam"]


def test_removing_a_customer_that_is_not_added_is_a_404(client, provider_setup):
    provider, domain, fabrikam, tailspin = provider_setup
    assert client.post(f"{PAGE}/{domain.id}/customers/{tailspin.orgid}/remove").status_code == 404
    assert client.post(f"{PAGE}/{domain.id}/customers/not-an-orgid/remove").status_code == 404


def test_shared_workspace_url_is_set_renamed_and_checked(client, provider_setup):
    provider, domain, fabrikam, tailspin = provider_setup
    path = f"{PAGE}/shared-workspace"
    assert client.post(path, data={"slug": "northwind"}).status_code == 303
    assert "serves all your customers at <a href=\"http://northwind.localhost" in client.get(PAGE).get_data(as_text=True)
    assert client.post(path, data={"slug": "northwind-cloud"}).status_code == 303
    assert _workspaces(provider) == ["fabrikam", "northwind-cloud"]
    response = client.post(path, data={"slug": "fabrikam"})
    assert response.status_code == 422 and "already in use" in response.get_data(as_text=True)
    response = client.post(path, data={"slug": "no way"})
    assert response.status_code == 422 and "Use only letters" in response.get_data(as_text=True)
    assert _workspaces(provider) == ["fabrikam", "northwind-cloud"]


@pytest.mark.parametrize("method, path", [
    ("post", "/{domain}/customers"), ("post", "/{domain}/customers/{orgid}/remove"), ("post", "/shared-workspace"),
])
def test_changes_need_a_csrf_token(client, provider_setup, method, path):
    provider, domain, fabrikam, tailspin = provider_setup
    url = PAGE + path.format(domain=domain.id, orgid=fabrikam.orgid)
    response = client.open(url, method=method.upper(), data={"slug": "tailspin"}, csrf=False)
    assert response.status_code == 400
    assert _links() == 1 and _workspaces(provider) == ["fabrikam"]


@pytest.mark.parametrize("programs, lapsed, status", [
    ([Program.SERVICE_PROVIDER], False, 200),
    ([Program.SOLUTION_ADVISOR], False, 403),   # a partner badge is not a Service Provider membership
    ([Program.SERVICE_PROVIDER], True, 403),    # lapsed
    ([], False, 403),                           # a customer account
])
def test_only_active_service_providers_get_the_page(client, login, programs, lapsed, status):
    org = make_org(programs=programs, lapsed=lapsed)
    login(make_admin(org))
    response = client.get(PAGE)
    assert response.status_code == status
    home = client.get("/").get_data(as_text=True)
    assert ("Workspaces</a>" in home) == (status == 200)
    if status == 403:
        assert "Service Provider membership" in response.get_data(as_text=True)
        domain = make_domain(org)
        customer = make_org()
        connect(org, customer)
        assert _add(client, domain, customer, "tailspin").status_code == 403
        assert _links() == 0


@pytest.mark.parametrize("permissions, status", [
    ([Permission.DOMAINS], 200), ([Permission.WORKSPACE_CONFIGURATION, Permission.CUSTOMER_DASHBOARD], 403),
])
def test_custom_access_needs_the_domains_permission(client, login, permissions, status):
    provider = make_provider()
    make_admin(provider)
    login(make_admin(provider, access=Access.CUSTOM, permissions=permissions))
    assert client.get(PAGE).status_code == status
    domain = make_domain(provider)
    customer = make_org()
    connect(provider, customer)
    assert _add(client, domain, customer, "customer").status_code == (303 if status == 200 else 403)


def test_query_count_does_not_grow_with_domains_and_customers(client, provider_setup, count_queries):
    provider, domain, fabrikam, tailspin = provider_setup
    client.get(PAGE)
    with count_queries() as small:
        assert client.get(PAGE).status_code == 200
    for n in range(6):
        extra = make_domain(provider)
        for m in range(4):
            customer = make_org()
            connect(provider, customer)
            make_directory_user(extra, customer)
            add_to_domain(extra, customer, f"c-{n}-{m}")
    with count_queries() as large:
        page = client.get(PAGE).get_data(as_text=True)
    assert page.count('class="domain"') == 7
    assert len(small) == len(large), (len(small), len(large))
