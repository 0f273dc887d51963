"""Manage Licenses → Cloud Licenses → Allocate: the rules, every shape of the views, isolation
between partners, and completing or failing an allocation."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from partner_portal.extensions import db
from partner_portal.models import (
    Access, ActivityEntry, Allocation, AllocationStatus, Notification, Permission, Program, Tenancy,
)

from ..allocation_factories import BEFORE_CUTOVER, make_added_customer, make_allocation, make_order
from ..conftest import htmx_headers
from ..factories import connect, make_admin, make_org, make_partner


def _allocations(partner) -> list[tuple[int, str, str]]:
    return [(a.quantity, a.service_code, a.status.value) for a in db.session.scalars(
        select(Allocation).where(Allocation.partner_id == partner.id).order_by(Allocation.id))]


@pytest.fixture
def partner_setup(client, login):
    """A signed-in full-access administrator of a primary-cloud-account partner that bought 100
    DaaS and 40 Secure Private Access licenses after the cut-over (and 500 before), with one
    multi-tenant customer it added and one single-tenant customer it invited."""
    partner = make_partner("Northwind", primary=True)
    user = make_admin(partner)
    make_order(partner, 60)
    make_order(partner, 40)
    make_order(partner, 40, code="secure-private-access")
    make_order(partner, 500, ordered_on=BEFORE_CUTOVER)
    added = make_added_customer(partner, "Contoso Multi")
    invited = make_org("Fabrikam Single")
    connect(partner, invited)
    login(user)
    return partner, user, added, invited


def _allocate(client, account, quantity="10", product="daas-user", htmx=False):
    return client.post("/licenses/allocate", data={"account": account.orgid, "product": product, "quantity": quantity},
                       headers=htmx_headers(**{"HX-Target": "allocate-dialog"}) if htmx else None)


# --- the page ------------------------------------------------------------------------------


def test_cloud_licenses_shows_purchased_allocated_and_to_allocate(client, partner_setup):
    partner, user, added, invited = partner_setup
    make_allocation(partner, 30)
    make_allocation(partner, 5, status=AllocationStatus.COMPLETED)
    make_allocation(partner, 50, status=AllocationStatus.FAILED)
    response = client.get("/licenses")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Manage Licenses" in page and "Cloud Licenses" in page
    row = page[page.index('id="product-daas-user"'):].split("</tr>")[0]
    # 100 bought after the cut-over (the 500 before need no allocation); 35 allocated, 30 of them processing
    assert ">100<" in row and ">35" in row
    assert "30 processing" in row and "<strong>65</strong>" in row
    accounts = page[page.index('id="accounts-heading"'):page.index('id="allocations-heading"')]
    assert "Northwind" in accounts and "Your primary cloud account" in accounts
    assert "Contoso Multi" in accounts and "Multi-tenant customer" in accounts
    assert "Fabrikam Single" not in accounts  # single-tenant customers are not the partner's cloud accounts
    assert "DaaS (user/device): 5" in accounts and "DaaS (user/device): 30 processing" in accounts


def test_orders_tab_lists_multi_tenant_orders_and_which_need_allocating(client, partner_setup):
    page = client.get("/licenses/orders").get_data(as_text=True)
    assert page.count("Must be allocated") == 3 and page.count("Not needed (before") == 1


def test_fragment_and_history_restore(client, partner_setup):
    fragment = client.get("/licenses", headers=htmx_headers()).get_data(as_text=True)
    assert "<html" not in fragment and fragment.lstrip().startswith('<section id="licenses-main"')
    restored = client.get("/licenses", headers=htmx_headers(**{"HX-History-Restore-Request": "true"}))
    assert "<html" in restored.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/licenses", "/licenses/orders", "/licenses/allocate"])
def test_closed_to_customers_and_to_administrators_without_licensing(client, login, path):
    login(make_admin(make_org("Plain Customer", primary=True)))
    assert client.get(path).status_code == 403
    client.post("/sign-out")
    partner = make_partner("Northwind", primary=True)
    login(make_admin(partner, access=Access.CUSTOM, permissions=[Permission.CUSTOMER_DASHBOARD]))
    assert client.get(path).status_code == 403


def test_custom_access_with_licensing_may_allocate(client, login):
    partner = make_partner("Northwind", primary=True)
    make_order(partner, 10)
    login(make_admin(partner, access=Access.CUSTOM, permissions=[Permission.LICENSING]))
    assert "Manage Licenses" in client.get("/").get_data(as_text=True)
    assert _allocate(client, partner, "4").status_code == 303
    assert _allocations(partner) == [(4, "daas-user", "processing")]


def test_a_lapsed_partner_gets_the_partner_only_page(client, login):
    partner = make_partner("Northwind", primary=True, lapsed=True)
    login(make_admin(partner))
    response = client.get("/licenses")
    assert response.status_code == 403 and "partner accounts only" in response.get_data(as_text=True)


# --- allocating ----------------------------------------------------------------------------------


def test_allocating_to_the_primary_account_records_a_processing_allocation(client, partner_setup):
    partner, user, added, invited = partner_setup
    response = _allocate(client, partner, "25")
    assert response.status_code == 303 and response.headers["Location"] == "/licenses"
    assert _allocations(partner) == [(25, "daas-user", "processing")]
    page = client.get("/licenses").get_data(as_text=True)
    assert "Allocated 25 licenses to Northwind" in page
    assert "<strong>75</strong>" in page.split('id="product-daas-user"')[1].split("</tr>")[0]
    (entry,) = db.session.scalars(select(ActivityEntry).where(ActivityEntry.organization_id == partner.id))
    assert entry.action == "requested" and entry.actor_label == user.email and "25 DaaS" in entry.summary


def test_allocating_with_htmx_answers_the_notice_and_the_updated_figures(client, partner_setup):
    partner, *_ = partner_setup
    response = _allocate(client, partner, "100", htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert body.lstrip().startswith('<div id="allocate-dialog"') and "Allocated 100 licenses" in body
    oob = body[body.index('id="cloud-content" hx-swap-oob="true"'):]
    assert "<strong>0</strong>" in oob.split('id="product-daas-user"')[1].split("</tr>")[0]


def test_the_dialog_and_the_page_without_javascript(client, partner_setup):
    partner, user, added, invited = partner_setup
    dialog = client.get(f"/licenses/allocate?account={added.orgid}", headers=htmx_headers()).get_data(as_text=True)
    assert dialog.lstrip().startswith('<dialog id="allocate-dialog"') and "data-modal" in dialog
    assert f'<option selected value="{added.orgid}">' in dialog
    page = client.get("/licenses/allocate").get_data(as_text=True)
    assert "<html" in page and f'<option selected value="{partner.orgid}">' in page  # the primary by default
    assert 'name="csrf_token"' in page and "DaaS (user/device) (100 to allocate)" in page


def test_allocating_to_a_customers_cloud_account_fails_clearly_and_writes_nothing(client, partner_setup):
    partner, user, added, invited = partner_setup
    for account in (added, invited):
        response = _allocate(client, account, htmx=True)
        body = response.get_data(as_text=True)
        assert response.status_code == 422
        assert "Licenses can be allocated only to your own primary cloud account" in body
        assert body.lstrip().startswith('<dialog id="allocate-dialog"')
    assert _allocations(partner) == []
    assert db.session.scalar(select(func.count()).select_from(ActivityEntry)) == 0


def test_a_partner_without_a_primary_cloud_account_cannot_allocate(client, login):
    partner = make_partner("Northwind")
    make_order(partner, 10)
    login(make_admin(partner))
    response = _allocate(client, partner)
    assert response.status_code == 422 and "not set up as a primary cloud account" in response.get_data(as_text=True)
    assert _allocations(partner) == []


@pytest.mark.parametrize("quantity, message", [
    ("0", "Enter a positive number of licenses (at least 1)."),
    ("-5", "Enter a positive number of licenses (at least 1)."),
    ("2.5", "Enter a whole number of licenses, such as 25."),
    ("ten", "Enter a whole number of licenses, such as 25."),
    ("1e3", "Enter a whole number of licenses, such as 25."),
    ("", "Enter the number of licenses to allocate."),
    ("101", "Only 100 DaaS (user/device) licenses are left to allocate."),
    ("99999999999999999", "Only 100 DaaS (user/device) licenses are left to allocate."),
    ("9" * 40, "Enter a whole number of licenses, such as 25."),
])
def test_bad_quantities_get_422_and_write_nothing(client, partner_setup, quantity, message):
    partner, *_ = partner_setup
    response = _allocate(client, partner, quantity)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _allocations(partner) == []


@pytest.mark.parametrize("product", ["gateway", "nonsense", ""])
def test_a_product_not_bought_since_the_cut_over_is_refused(client, partner_setup, product):
    partner, *_ = partner_setup
    make_order(partner, 10, code="endpoint-management", ordered_on=BEFORE_CUTOVER)
    response = _allocate(client, partner, product=product)
    assert response.status_code == 422
    assert _allocations(partner) == []


def test_an_order_before_the_cut_over_needs_no_allocation(client, partner_setup):
    partner, *_ = partner_setup
    make_order(partner, 10, code="endpoint-management", ordered_on=BEFORE_CUTOVER)
    response = _allocate(client, partner, product="endpoint-management")
    assert "Choose a product from your multi-tenant orders." in response.get_data(as_text=True)


def test_a_customers_order_is_not_the_partners_purchase(client, partner_setup):
    partner, *_ = partner_setup
    make_order(partner, 10, code="endpoint-management", multi_tenant=False)
    assert _allocate(client, partner, product="endpoint-management").status_code == 422


def test_the_last_licenses_then_nothing_left(client, partner_setup):
    partner, *_ = partner_setup
    assert _allocate(client, partner, "100").status_code == 303
    response = _allocate(client, partner, "1")
    assert response.status_code == 422
    assert "Every purchased DaaS (user/device) license is already allocated." in response.get_data(as_text=True)


def test_a_failed_allocation_gives_its_quantity_back(client, partner_setup):
    partner, *_ = partner_setup
    make_allocation(partner, 100, status=AllocationStatus.FAILED)
    assert _allocate(client, partner, "100").status_code == 303


@pytest.mark.parametrize("orgid", ["1234567890", "not-an-orgid"])
def test_an_unknown_account_is_a_404(client, partner_setup, orgid):
    partner, *_ = partner_setup
    response = client.post("/licenses/allocate", data={"account": orgid, "product": "daas-user", "quantity": "1"})
    assert response.status_code == 404
    assert _allocations(partner) == []


def test_another_partners_account_or_customer_is_a_404(client, partner_setup):
    partner, *_ = partner_setup
    rival = make_partner("Rival", primary=True)
    rival_customer = make_added_customer(rival, "Rival Customer")
    former = make_org("Former Customer", tenancy=Tenancy.MULTI)
    from partner_portal.models import utcnow
    connect(partner, former).ended_at = utcnow()
    for account in (rival, rival_customer, former):
        assert _allocate(client, account).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Allocation)) == 0


def test_allocate_needs_csrf(client, partner_setup):
    partner, *_ = partner_setup
    response = client.post("/licenses/allocate", data={"account": partner.orgid, "product": "daas-user",
                                                       "quantity": "1"}, csrf=False)
    assert response.status_code == 400
    assert _allocations(partner) == []


# --- isolation --------------------------------------------------------------------------------


def test_a_partner_never_sees_another_partners_allocations_or_orders(client, login):
    rival = make_partner("Rival", primary=True)
    make_order(rival, 7_654_321, code="secure-private-access")
    make_allocation(rival, 3_456_789, code="secure-private-access")
    rival_customer = make_added_customer(rival, "Rival Customer")
    partner = make_partner("Northwind", primary=True)
    make_order(partner, 10)
    login(make_admin(partner))
    for path in ("/licenses", "/licenses/orders", "/licenses/allocate"):
        page = client.get(path).get_data(as_text=True)
        # Figures show with thousands separators, which no ORGID or token contains.
        assert "7,654,321" not in page and "3,456,789" not in page
        assert "Rival" not in page and "Secure Private" not in page
    assert rival_customer.orgid not in client.get("/licenses").get_data(as_text=True)


def test_the_page_costs_the_same_queries_for_few_and_many_rows(client, login, count_queries):
    partner = make_partner("Northwind", primary=True)
    login(make_admin(partner))
    counts = []
    for customers, allocations in ((1, 2), (20, 40)):
        for n in range(customers):
            make_added_customer(partner, f"Customer {len(counts)}-{n}")
        make_order(partner, 10_000)
        for _ in range(allocations):
            make_allocation(partner, 1)
        db.session.commit()
        with count_queries() as queries:
            assert client.get("/licenses").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
