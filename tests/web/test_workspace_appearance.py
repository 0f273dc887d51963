"""Workspace Appearance: themes (colors, logos, preview, save) for single-tenant customers only, with
uploads checked by content before anything is stored."""
from __future__ import annotations

import io
import struct
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from partner_portal.csp.services import MULTI_TENANT_THEMES
from partner_portal.csp.uploads import LOGO_FOLDER
from partner_portal.extensions import db
from partner_portal.models import Access, Permission, Program, Tenancy, WorkspaceTheme

from ..conftest import htmx_headers
from ..csp_factories import add_to_domain, image_bytes, make_domain, make_provider
from ..factories import connect, make_admin, make_org, make_partner

LIST = "/service-provider/workspace-appearance"
COLORS = {"banner_color": "#123456", "banner_text_color": "#FFFFFF", "icon_color": "#0a0", "accent_color": "#ff0000"}
HTML = b"<!doctype html><html><script>alert(document.domain)</script></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'


@pytest.fixture
def logos(app, tmp_path, monkeypatch):
    """The logo folder of this test (empty at the start)."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    return tmp_path / LOGO_FOLDER


@pytest.fixture
def setup(client, login, logos):
    """A signed-in Service Provider administrator with a single-tenant customer (added to a domain) and a
    multi-tenant one."""
    provider = make_provider("Northwind")
    login(make_admin(provider))
    single = make_org("Fabrikam Health")
    multi = make_org("Tailspin Retail", tenancy=Tenancy.MULTI)
    connect(provider, single)
    connect(provider, multi)
    add_to_domain(make_domain(provider), single, "fabrikam")
    return provider, single, multi


def _file(data: bytes, name: str = "logo.png", mimetype: str = "image/png") -> FileStorage:
    return FileStorage(io.BytesIO(data), filename=name, content_type=mimetype)


def _save(client, customer, path_suffix="", headers=None, csrf=True, **fields):
    """Post the theme form as a browser does (multipart), colors from COLORS unless given."""
    # Encoded in memory: the test client would spool a large body to a temporary file it never closes.
    boundary, body = encode_multipart({**COLORS, **fields})
    return client.post(f"{LIST}/{customer.orgid}{path_suffix}", data=body, headers=headers, csrf=csrf,
                       content_type=f"multipart/form-data; boundary={boundary}")


def _themes() -> int:
    return db.session.scalar(select(func.count()).select_from(WorkspaceTheme))


def _stored(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _png_with_chunk(size: int) -> bytes:
    """A valid PNG that carries `size` bytes in a private ancillary chunk before IEND."""
    png = image_bytes((100, 40))
    body = b"prVt" + b"\0" * size
    chunk = struct.pack(">I", size) + body + struct.pack(">I", zlib.crc32(body))
    return png[:-12] + chunk + png[-12:]


def test_list_shows_every_connected_customer_and_what_it_supports(client, setup):
    provider, single, multi = setup
    stranger = make_org("Stranger Co")
    connect(make_partner(), stranger)
    page = client.get(LIST).get_data(as_text=True)
    assert "Fabrikam Health" in page and "http://fabrikam.localhost" in page and "Default" in page
    row = page[page.index("Tailspin Retail"):].split("</tr>")[0]
    assert "Not supported (multi-tenant)" in row
    assert "Stranger Co" not in page


def test_single_tenant_customer_gets_the_theme_form_and_preview(client, setup):
    provider, single, multi = setup
    page = client.get(f"{LIST}/{single.orgid}").get_data(as_text=True)
    assert 'id="theme-form"' in page and 'enctype="multipart/form-data"' in page and 'id="theme-preview"' in page
    assert 'name="banner_color" type="color" value="#0f2742"' in page  # the default theme
    assert f'hx-post="{LIST}/{single.orgid}/preview"' in page and f'formaction="{LIST}/{single.orgid}/preview"' in page


def test_multi_tenant_customer_gets_an_explanation_and_nothing_to_change(client, setup, logos):
    provider, single, multi = setup
    page = client.get(f"{LIST}/{multi.orgid}").get_data(as_text=True)
    assert escape(str(MULTI_TENANT_THEMES)) in page and "<form" not in page.split("<main")[1].split("</main>")[0]
    response = _save(client, multi, sign_in_logo=_file(image_bytes((400, 100))))
    assert response.status_code == 422 and escape(str(MULTI_TENANT_THEMES)) in response.get_data(as_text=True)
    assert _save(client, multi, "/preview").status_code == 422
    assert _themes() == 0 and _stored(logos) == []


def test_saving_colors(client, setup):
    provider, single, multi = setup
    response = _save(client, single)
    assert response.status_code == 303 and response.headers["Location"] == f"{LIST}/{single.orgid}"
    theme = db.session.scalar(select(WorkspaceTheme))
    assert (theme.banner_color, theme.banner_text_color, theme.icon_color, theme.accent_color) == (
        "#123456", "#ffffff", "#00aa00", "#ff0000")
    assert "--ws-banner: #123456" in client.get("/workspace/fabrikam").get_data(as_text=True)


@pytest.mark.parametrize("field, value", [
    ("banner_color", "blue"), ("banner_text_color", "#12345"), ("icon_color", ""),
    ("accent_color", "#fff;background:url(//evil)"),
])
def test_colors_that_are_not_hex_are_refused_and_nothing_is_written(client, setup, logos, field, value):
    provider, single, multi = setup
    response = _save(client, single, **{field: value, "logo": _file(image_bytes((300, 80)))})
    assert response.status_code == 422 and "Use a hex color such as #0b5cad." in response.get_data(as_text=True)
    assert _themes() == 0 and _stored(logos) == []


def test_logos_are_stored_under_random_names_and_served_safely(client, setup, logos):
    provider, single, multi = setup
    sign_in = image_bytes((480, 120), fmt="PNG")
    after = image_bytes((340, 80), fmt="JPEG")
    response = _save(client, single, sign_in_logo=_file(sign_in, "../../etc/passwd.svg", "image/svg+xml"),
                     logo=_file(after, "logo.png", "image/png"))
    assert response.status_code == 303
    theme = db.session.scalar(select(WorkspaceTheme))
    assert theme.sign_in_logo.endswith(".png") and theme.logo.endswith(".jpg")  # by content, not by name
    assert _stored(logos) == sorted([theme.sign_in_logo, theme.logo])
    with client.get(f"/workspace-logos/{theme.logo}") as served:
        assert served.status_code == 200 and served.mimetype == "image/jpeg"
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        cache = served.headers["Cache-Control"]
        assert "public" in cache and "max-age=31536000" in cache and "immutable" in cache
        assert served.get_data() == (logos / theme.logo).read_bytes()
    page = client.get("/workspace/fabrikam").get_data(as_text=True)
    assert f'src="/workspace-logos/{theme.sign_in_logo}"' in page


def test_replacing_and_removing_logos_deletes_the_old_files(client, setup, logos):
    provider, single, multi = setup
    _save(client, single, logo=_file(image_bytes((300, 80))), sign_in_logo=_file(image_bytes((400, 100))))
    first = db.session.scalar(select(WorkspaceTheme))
    old_logo, old_sign_in = first.logo, first.sign_in_logo
    assert _save(client, single, logo=_file(image_bytes((200, 50)))).status_code == 303
    db.session.expire_all()
    theme = db.session.scalar(select(WorkspaceTheme))
    assert theme.logo != old_logo and theme.sign_in_logo == old_sign_in
    assert _stored(logos) == sorted([theme.logo, old_sign_in])
    assert _save(client, single, remove_sign_in_logo="y", remove_logo="y").status_code == 303
    db.session.expire_all()
    theme = db.session.scalar(select(WorkspaceTheme))
    assert theme.logo is None and theme.sign_in_logo is None and _stored(logos) == []


@pytest.mark.parametrize("name, data, mimetype, message", [
    ("truncated.png", image_bytes((300, 80))[:-25], "image/png", "damaged or incomplete"),
    ("truncated.jpg", image_bytes((300, 80), fmt="JPEG")[:-60], "image/jpeg", "damaged or incomplete"),
    ("polyglot.png", image_bytes((300, 80)) + HTML, "image/png", "other data after the end"),
    ("polyglot.jpg", image_bytes((300, 80), fmt="JPEG") + b"PK\x03\x04" + HTML, "image/jpeg", "other data after the end"),
    ("disguised.png", HTML, "image/png", "not a PNG or JPEG"),
    ("logo.svg", SVG, "image/svg+xml", "not a PNG or JPEG"),
    ("logo.png", SVG, "image/png", "not a PNG or JPEG"),
    ("logo.gif", image_bytes((300, 80), fmt="GIF"), "image/gif", "not a PNG or JPEG"),
    ("wide.png", image_bytes((341, 80)), "image/png", "at most 340 × 80"),
    ("huge.png", b"\x89PNG\r\n\x1a\n" + b"\0" * (2 * 1024 * 1024), "image/png", "larger than 2 MB"),
])
def test_bad_files_are_refused_and_nothing_is_stored(client, setup, logos, name, data, mimetype, message):
    provider, single, multi = setup
    good = _file(image_bytes((400, 100)))
    response = _save(client, single, logo=_file(data, name, mimetype), sign_in_logo=good)
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and escape(message) in body
    assert 'id="logo-error"' in body  # next to the field it concerns
    assert _themes() == 0 and _stored(logos) == []


def test_the_upload_route_takes_more_than_the_portal_wide_limit(app, client, setup, logos):
    provider, single, multi = setup
    big = _png_with_chunk(1536 * 1024)  # 1.5 MB: over the 1 MiB every other route takes
    assert len(big) > app.config["MAX_CONTENT_LENGTH"]
    assert _save(client, single, logo=_file(big)).status_code == 303
    assert len(_stored(logos)) == 1 and (logos / _stored(logos)[0]).stat().st_size < 10_000  # re-encoded
    response = client.post("/sign-in", data={"email": "a@b.example", "password": "x" * (1536 * 1024)})
    assert response.status_code == 413


def test_a_request_over_the_upload_routes_limit_is_refused(client, setup, logos):
    provider, single, multi = setup
    response = _save(client, single, logo=_file(b"\0" * (3 * 1024 * 1024)),
                     sign_in_logo=_file(b"\0" * (3 * 1024 * 1024)))
    assert response.status_code == 413 and _themes() == 0 and _stored(logos) == []


def test_preview_shows_the_form_without_storing_anything(client, setup, logos):
    provider, single, multi = setup
    logo = image_bytes((300, 80))
    response = _save(client, single, "/preview", banner_text_color="#1a2b3c", logo=_file(logo))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" in page and 'id="theme-form"' in page
    assert "--ws-banner-text: #1a2b3c" in page and 'src="data:image/png;base64,' in page
    assert "contrast ratio of 1.1:1" in page  # #1a2b3c on #123456
    assert _themes() == 0 and _stored(logos) == []


def test_live_preview_answers_the_preview_alone(client, setup, logos):
    provider, single, multi = setup
    response = _save(client, single, "/preview", headers=htmx_headers(), logo=_file(HTML, "x.png"))
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and body.lstrip().startswith('<section id="theme-preview"')
    assert "Not shown in the preview" in body and "not a PNG or JPEG" in body and "--ws-banner: #123456" in body
    assert _themes() == 0 and _stored(logos) == []


def test_contrast_warning_on_the_saved_theme(client, setup):
    provider, single, multi = setup
    _save(client, single, banner_color="#ffffff", banner_text_color="#999999")
    page = client.get(f"{LIST}/{single.orgid}").get_data(as_text=True)
    assert 'id="contrast-warning"' in page and "WCAG AA asks for at least 4.5:1" in page
    _save(client, single, banner_color="#ffffff", banner_text_color="#595959")
    assert 'id="contrast-warning"' not in client.get(f"{LIST}/{single.orgid}").get_data(as_text=True)


def test_other_organizations_customers_are_404(client, setup, logos):
    provider, single, multi = setup
    stranger = make_org("Stranger")
    connect(make_partner(), stranger)
    for orgid in (stranger.orgid, "12345", "not-an-orgid"):
        assert client.get(f"{LIST}/{orgid}").status_code == 404
        assert client.post(f"{LIST}/{orgid}", data=COLORS).status_code == 404
        assert client.post(f"{LIST}/{orgid}/preview", data=COLORS).status_code == 404
    assert _themes() == 0


def test_saving_needs_a_csrf_token(client, setup, logos):
    provider, single, multi = setup
    response = _save(client, single, csrf=False, logo=_file(image_bytes((300, 80))))
    assert response.status_code == 400 and _themes() == 0 and _stored(logos) == []


@pytest.mark.parametrize("programs, permissions, status", [
    ([Program.SERVICE_PROVIDER], [Permission.WORKSPACE_CONFIGURATION], 200),
    ([Program.SERVICE_PROVIDER], [Permission.DOMAINS, Permission.CUSTOMER_DASHBOARD], 403),
    ([Program.SOLUTION_ADVISOR], [Permission.WORKSPACE_CONFIGURATION], 403),
])
def test_who_may_theme(client, login, logos, programs, permissions, status):
    provider = make_org(programs=programs)
    customer = make_org()
    connect(provider, customer)
    make_admin(provider)
    login(make_admin(provider, access=Access.CUSTOM, permissions=permissions))
    assert client.get(LIST).status_code == status
    assert client.get(f"{LIST}/{customer.orgid}").status_code == status
    assert _save(client, customer).status_code == (303 if status == 200 else 403)


@pytest.mark.parametrize("name", ["secret_key", "..%2Fsecret_key", "0" * 32 + ".svg", "0" * 32 + ".png"])
def test_the_logo_route_serves_stored_logos_only(client, logos, name):
    assert client.get(f"/workspace-logos/{name}").status_code == 404


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=2048), name=st.sampled_from(["logo.png", "logo.jpg", "logo.svg", "logo"]))
def test_random_uploads_never_fail_the_server_and_are_never_stored(client, setup, logos, data, name):
    provider, single, multi = setup
    response = _save(client, single, logo=_file(data, name))
    assert response.status_code == 422
    assert _themes() == 0 and _stored(logos) == []


def test_list_query_count_does_not_grow_with_customers(client, setup, count_queries):
    provider, single, multi = setup
    domain = make_domain(provider)
    client.get(LIST)
    with count_queries() as small:
        assert client.get(LIST).status_code == 200
    for n in range(48):
        customer = make_org(tenancy=Tenancy.MULTI if n % 2 else Tenancy.SINGLE)
        connect(provider, customer)
        if n % 3 == 0:
            add_to_domain(domain, customer, f"c-{n}")
            db.session.add(WorkspaceTheme(provider_id=provider.id, customer_id=customer.id, banner_color="#000000",
                                          banner_text_color="#ffffff", icon_color="#000000", accent_color="#000000"))
    with count_queries() as large:
        page = client.get(LIST).get_data(as_text=True)
    assert page.count("<tr>") == 51  # the header row and 50 customers
    assert len(small) == len(large), (len(small), len(large))
