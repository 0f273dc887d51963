"""Bulk actions on the dashboard: selection (ticked or all matching), export, tags with their
filter and CSV column, Remove Customer Connection for several, always previewed and confirmed,
with a result per customer."""
from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from partner_portal.extensions import db
from partner_portal.models import Access, Connection, CustomerTag, Permission, Program, Tenancy

from ..factories import connect, make_admin, make_org, make_partner, make_user


@pytest.fixture
def world(client, login):
    partner = make_partner("Northwind", programs=[Program.SOLUTION_ADVISOR])
    user = make_admin(partner)
    customers = [make_org(name, tenancy=Tenancy.MULTI if name.startswith("M") else Tenancy.SINGLE)
                 for name in ("Alpha", "Beta", "Mu One", "Mu Two")]
    for customer in customers:
        make_admin(customer)
        connect(partner, customer)
    stranger = make_org("Stranger")
    db.session.flush()
    login(user)
    return {"partner": partner, "user": user, "customers": {c.name: c for c in customers}, "stranger": stranger}


def _csv(response):
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_rows_have_checkboxes_and_select_all_matching(client, world):
    page = client.get("/customers?tenancy=multi-tenant").get_data(as_text=True)
    assert 'form="bulk-form"' in page and 'aria-label="Select Mu One"' in page
    assert "Select all 2 matching" in page
    assert '<input type="hidden" name="tenancy" value="multi-tenant">' in page


def test_export_selection(client, world):
    c = world["customers"]
    rows = _csv(client.get(f"/customers/bulk?action=export&orgid={c['Alpha'].orgid}&orgid={c['Mu Two'].orgid}"
                           f"&orgid={world['stranger'].orgid}"))
    assert [r["Customer"] for r in rows] == ["Alpha", "Mu Two"]  # another organization's ORGID is ignored
    rows = _csv(client.get("/customers/bulk?action=export&all=1&tenancy=multi-tenant"))
    assert [r["Customer"] for r in rows] == ["Mu One", "Mu Two"]


def test_adding_a_tag_previews_then_applies(client, world):
    c = world["customers"]
    db.session.add(CustomerTag(partner_id=world["partner"].id, customer_id=c["Beta"].id, label="renewal"))
    db.session.flush()
    preview = client.get(f"/customers/bulk?action=add-tag&tag=+renewal+&orgid={c['Alpha'].orgid}"
                         f"&orgid={c['Beta'].orgid}")
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "1 of 2 selected customers will change" in page
    assert "Tag “renewal” added" in page and "Already tagged “renewal”: no change" in page
    assert db.session.scalar(select(CustomerTag).where(CustomerTag.customer_id == c["Alpha"].id)) is None
    assert f'name="orgid" value="{c["Alpha"].orgid}"' in page and f'name="orgid" value="{c["Beta"].orgid}"' not in page

    result = client.post("/customers/bulk", data={"action": "add-tag", "tag": "renewal", "orgid": [c["Alpha"].orgid]})
    assert "1 succeeded" in result.get_data(as_text=True)
    dashboard = client.get("/customers?tag=renewal").get_data(as_text=True)
    assert "Alpha" in dashboard and "Beta" in dashboard and "Mu One" not in dashboard
    rows = {r["Customer"]: r for r in _csv(client.get("/customers/export.csv"))}
    assert rows["Alpha"]["Tags"] == "renewal" and rows["Mu One"]["Tags"] == ""


def test_removing_a_tag(client, world):
    c = world["customers"]
    for name in ("Alpha", "Beta"):
        db.session.add(CustomerTag(partner_id=world["partner"].id, customer_id=c[name].id, label="q3"))
    db.session.flush()
    client.post("/customers/bulk", data={"action": "remove-tag", "tag": "q3", "orgid": [c["Alpha"].orgid]})
    assert [t.customer_id for t in db.session.scalars(select(CustomerTag))] == [c["Beta"].id]


def test_tags_are_private_to_the_partner(client, login, world):
    c = world["customers"]
    rival = make_partner("Rival", programs=[Program.SOLUTION_ADVISOR])
    rival_user = make_admin(rival)
    connect(rival, c["Alpha"])
    db.session.add(CustomerTag(partner_id=world["partner"].id, customer_id=c["Alpha"].id, label="secret-label"))
    db.session.flush()
    login(rival_user)
    assert "secret-label" not in client.get("/customers").get_data(as_text=True)
    assert "Alpha" not in client.get("/customers?tag=secret-label").get_data(as_text=True)


@pytest.mark.parametrize("tag, message", [("", "Enter a tag."), ("x" * 41, "A tag has at most 40 characters."),
                                          ("a\x07b", "A tag cannot hold control characters.")])
def test_bad_tags_are_refused_with_a_message(client, world, tag, message):
    orgid = world["customers"]["Alpha"].orgid
    response = client.get("/customers/bulk", query_string={"action": "add-tag", "tag": tag, "orgid": orgid})
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_an_empty_selection_is_refused(client, world):
    response = client.get("/customers/bulk?action=remove")
    assert response.status_code == 422 and "Select at least one customer." in response.get_data(as_text=True)


def test_bulk_removal_previews_then_reports_per_customer(client, world):
    c = world["customers"]
    page = client.get(f"/customers/bulk?action=remove&orgid={c['Alpha'].orgid}&orgid={c['Beta'].orgid}"
                      ).get_data(as_text=True)
    assert "2 of 2 selected customers will change" in page and "Connection ends" in page
    assert db.session.scalar(select(Connection.ended_at).where(Connection.customer_id == c["Alpha"].id)) is None
    # Beta's connection ends elsewhere between the preview and the confirmation.
    beta = db.session.scalar(select(Connection).where(Connection.customer_id == c["Beta"].id))
    beta.ended_at = beta.created_at
    db.session.commit()
    result = client.post("/customers/bulk", data={"action": "remove",
                                                  "orgid": [c["Alpha"].orgid, c["Beta"].orgid,
                                                            world["stranger"].orgid]})
    text = result.get_data(as_text=True)
    assert "1 succeeded, 2 failed" in text
    assert "Done: Connection ended" in text and "Failed: Not connected to your organization any more" in text
    db.session.expire_all()
    assert db.session.scalar(select(Connection.ended_at).where(Connection.customer_id == c["Alpha"].id)) is not None
    assert "Alpha" not in client.get("/customers").get_data(as_text=True)


def test_view_only_users_export_but_change_nothing(client, login, world):
    viewer = make_admin(world["partner"], make_user(), access=Access.CUSTOM,
                        permissions=[Permission.CUSTOMER_DASHBOARD])
    login(viewer)
    orgid = world["customers"]["Alpha"].orgid
    page = client.get("/customers").get_data(as_text=True)
    assert "Export selection (CSV)" in page and "Remove Customer Connection</option>" not in page
    assert client.get(f"/customers/bulk?action=export&orgid={orgid}").status_code == 200
    assert client.get(f"/customers/bulk?action=remove&orgid={orgid}").status_code == 403
    assert client.post("/customers/bulk", data={"action": "remove", "orgid": [orgid]}).status_code == 403
    db.session.expire_all()
    assert db.session.scalar(select(Connection.ended_at).where(Connection.customer_id == world["customers"]["Alpha"].id)) is None


def test_confirming_needs_csrf(client, world):
    orgid = world["customers"]["Alpha"].orgid
    assert client.post("/customers/bulk", data={"action": "remove", "orgid": [orgid]}, csrf=False).status_code == 400


def test_an_unknown_action_is_a_404(client, world):
    assert client.get("/customers/bulk?action=explode").status_code == 404
