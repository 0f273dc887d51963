"""Service-provider workspaces in a real browser: a directory user signs in to Fabrikam Health's dedicated
workspace, the provider removes Fabrikam from the domain (the user is shut out at once) and adds it again;
the same with JavaScript off; a theme's colors and logo reach the workspace sign-in page; the host-name form.

The live server is shared by the session: each test leaves Fabrikam Health added to demo.example at
`fabrikam`, as the demo world has it.
"""
from __future__ import annotations

import io
import re
from urllib.parse import urlsplit

from PIL import Image
from playwright.sync_api import Page, expect

from .conftest import signed_in

PARTNER = ("partner@demo.example", "demo-partner")
WORKSPACE_USER = ("workspace@demo.example", "demo-workspace")
CUSTOMER_ORG = "Fabrikam Health"
DOMAIN = "demo.example"


def _workspace_sign_in(page: Page, path: str = "/workspace/fabrikam") -> None:
    """Open the workspace's sign-in page and submit the demo workspace user's credentials."""
    page.goto(path)
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("User name").fill(WORKSPACE_USER[0])
    page.get_by_label("Password").fill(WORKSPACE_USER[1])
    page.get_by_role("button", name="Sign in").click()


def _domain(page: Page, name: str = DOMAIN):
    """The Federated Domains section of one domain."""
    return page.locator("article.domain", has=page.get_by_role("heading", name=name, exact=True))


def _federated_domains(page: Page) -> None:
    """Open Federated Domains through the navigation."""
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Workspaces").click()
    expect(page.get_by_role("heading", name="Federated Domains", level=1)).to_be_visible()


def test_sign_in_then_revoke_then_federate_again(page: Page, new_context):
    """The workspace user signs in; removing Fabrikam from its domain shuts them out at once (open session
    included); adding it back with the URL name fabrikam lets them in again."""
    user = new_context().new_page()
    _workspace_sign_in(user)
    expect(user).to_have_url(re.compile(r"/workspace/fabrikam/apps$"))
    expect(user.get_by_role("heading", name="Apps and desktops")).to_be_visible()
    expect(user.locator(".ws-tile", has_text="Patient records")).to_be_visible()

    signed_in(page, PARTNER)
    _federated_domains(page)
    domain = _domain(page)
    row = domain.locator("tbody tr", has_text=CUSTOMER_ORG)
    expect(row).to_contain_text("/workspace/fabrikam")
    row.get_by_role("link", name=re.compile(rf"^Remove {CUSTOMER_ORG} from {re.escape(DOMAIN)}")).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(f"Remove {CUSTOMER_ORG} from {DOMAIN}?")
    dialog.get_by_role("button", name="Remove").click()
    expect(page.locator("#federation .flash-success")).to_contain_text(f"{CUSTOMER_ORG} was removed from {DOMAIN}")
    expect(_domain(page).locator("tbody tr", has_text=CUSTOMER_ORG)).to_have_count(0)

    # The open session ends at the user's next click; the workspace's address is free again.
    user.reload()
    expect(user.get_by_text("There is no workspace at this address")).to_be_visible()

    domain = _domain(page)
    domain.get_by_label("Customer").select_option(label=CUSTOMER_ORG)
    domain.get_by_label("Workspace URL name").fill("Fabrikam Health")  # a space: refused, with a message
    domain.get_by_role("button", name="Add customer").click()
    expect(_domain(page).get_by_text("Use only letters, digits and hyphens")).to_be_visible()
    _domain(page).get_by_label("Workspace URL name").fill("fabrikam")
    _domain(page).get_by_role("button", name="Add customer").click()
    expect(page.locator("#federation .flash-success")).to_contain_text(f"The customer was added to {DOMAIN}")
    expect(_domain(page).locator("tbody tr", has_text=CUSTOMER_ORG)).to_contain_text("/workspace/fabrikam")

    _workspace_sign_in(user)
    expect(user.locator(".ws-tile", has_text="Clinical desktop")).to_be_visible()
    user.get_by_role("button", name="Sign out").click()
    expect(user.get_by_text("You are signed out of the workspace.")).to_be_visible()


def test_revoking_a_second_domain_refuses_sign_in_with_javascript_off(new_context):
    """Without JavaScript: Fabrikam joins a second domain (plain form), loses it after the confirm page, and a
    user of that domain is refused while Fabrikam's workspace stays."""
    page = new_context(java_script_enabled=False).new_page()
    signed_in(page, PARTNER)
    page.goto("/service-provider/federated-domains")
    west = _domain(page, "west.northwind.example")
    west.get_by_label("Customer").select_option(label=f"{CUSTOMER_ORG} (workspace fabrikam)")
    west.get_by_role("button", name="Add customer").click()
    expect(page.locator("#flashes")).to_contain_text("The customer was added to west.northwind.example")
    row = _domain(page, "west.northwind.example").locator("tbody tr", has_text=CUSTOMER_ORG)
    expect(row).to_contain_text("/workspace/fabrikam")  # the same workspace: no new URL
    row.get_by_role("link", name=re.compile("^Remove")).click()
    expect(page.get_by_role("heading", name=f"Remove {CUSTOMER_ORG} from west.northwind.example?")).to_be_visible()
    page.get_by_role("button", name="Remove").click()
    expect(page.locator("#flashes")).to_contain_text(f"{CUSTOMER_ORG} was removed from west.northwind.example")
    expect(_domain(page, "west.northwind.example").locator("tbody tr", has_text=CUSTOMER_ORG)).to_have_count(0)

    user = new_context(java_script_enabled=False).new_page()
    _workspace_sign_in(user)
    expect(user.locator(".ws-tile", has_text="Patient records")).to_be_visible()  # demo.example still admits
    user.goto("/workspace/fabrikam")
    expect(user).to_have_url(re.compile(r"/workspace/fabrikam/apps$"))


def _logo_file(tmp_path, size=(480, 120), color="#f2c14e") -> str:
    path = tmp_path / "sign-in-logo.png"
    image = Image.new("RGB", size, color)
    data = io.BytesIO()
    image.save(data, "PNG")
    path.write_bytes(data.getvalue())
    return str(path)


def test_theme_colors_and_logo_show_on_the_workspace_sign_in_page(page: Page, new_context, tmp_path):
    """Workspace Appearance → Fabrikam Health: the live preview follows the form (and warns about contrast),
    Save, and the workspace sign-in page shows the banner color and the uploaded logo."""
    signed_in(page, PARTNER)
    _federated_domains(page)
    page.get_by_role("link", name="Workspace Appearance").click()
    page.get_by_role("link", name=CUSTOMER_ORG).click()
    expect(page.get_by_role("heading", name=CUSTOMER_ORG, level=1)).to_be_visible()
    preview = page.locator("#theme-preview")
    preview_banner = preview.locator(".ws-banner").first

    page.get_by_label("Banner color").fill("#7a1f5c")
    expect(preview_banner).to_have_css("background-color", "rgb(122, 31, 92)")
    page.get_by_label("Banner text color").fill("#8a2f6c")  # nearly the banner's color
    expect(preview.locator("#contrast-warning")).to_contain_text("WCAG AA asks for at least 4.5:1")
    page.get_by_label("Banner text color").fill("#ffffff")
    expect(preview.locator("#contrast-warning")).to_have_count(0)
    page.get_by_label("Accent color").fill("#1b998b")
    page.get_by_label("Sign-in page logo").set_input_files(_logo_file(tmp_path))
    expect(preview.locator("img.ws-sign-in-logo")).to_have_attribute("src", re.compile(r"^data:image/png;base64,"))

    page.get_by_role("button", name="Save").click()
    expect(page.locator("#flashes")).to_contain_text(f"The theme of {CUSTOMER_ORG}'s workspace is saved.")

    visitor = new_context().new_page()
    visitor.goto("/workspace/fabrikam")
    expect(visitor.locator(".ws-banner")).to_have_css("background-color", "rgb(122, 31, 92)")
    expect(visitor.locator(".ws-banner")).to_have_css("color", "rgb(255, 255, 255)")
    expect(visitor.get_by_role("button", name="Sign in")).to_have_css("background-color", "rgb(27, 153, 139)")
    logo = visitor.locator("img.ws-sign-in-logo")
    expect(logo).to_be_visible()
    expect(logo).to_have_attribute("src", re.compile(r"^/workspace-logos/[0-9a-f]{32}\.png$"))
    assert logo.evaluate("img => img.complete && img.naturalWidth") == 480


def test_the_workspace_answers_at_its_own_host_name(new_context, base_url: str):
    """http://fabrikam.localhost:<port>/ is Fabrikam's workspace (Chromium sends *.localhost to this machine)."""
    host = f"http://fabrikam.localhost:{urlsplit(base_url).port}"
    user = new_context().new_page()
    _workspace_sign_in(user, f"{host}/")
    expect(user).to_have_url(f"{host}/apps")
    expect(user.get_by_role("heading", name="Apps and desktops")).to_be_visible()
    user.goto(f"{host}/sign-in")  # the portal's pages are not served on a workspace host
    expect(user.get_by_role("heading", name="Page not found")).to_be_visible()
