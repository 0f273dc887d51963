"""Accessibility and width checks shared by the browser tests: axe-core (vendored for tests) run
in the page, the pages and states to check per sign-in, and screenshots into a folder CI keeps.

The page lists are found from the demo world as it is (the first row of the dashboard, the first
View Usage Trend link…), never from hard-coded ids.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Page, expect

VENDOR = Path(__file__).resolve().parent / "vendor"
AXE_SCRIPT = VENDOR / "axe-core-4.12.1.min.js"
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"  # gitignored; .ci/run says where they are
BLOCKING = ("serious", "critical")
WIDTHS = {1280: 800, 1366: 768, 390: 844}

PARTNER = ("partner@demo.example", "demo-partner")
CUSTOMER = ("customer@demo.example", "demo-customer")
OPERATOR = ("operator@demo.example", "demo-operator")


@dataclass
class Finding:
    """One axe rule broken on one page or state."""

    where: str
    rule: str
    impact: str
    help: str
    targets: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.where}: {self.rule} ({self.impact}) {self.help} at {', '.join(self.targets[:4])}"


def axe(page: Page, where: str) -> list[Finding]:
    """Run axe-core on the page as it is now; every violation as a Finding (any impact)."""
    if not page.evaluate("() => Boolean(window.axe)"):
        page.add_script_tag(path=str(AXE_SCRIPT))
    results = page.evaluate(
        """async () => {
            const result = await window.axe.run(document, {resultTypes: ['violations']});
            return result.violations.map(v => ({rule: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map(n => n.target.join(' '))}));
        }""")
    return [Finding(where, r["rule"], r["impact"] or "", r["help"], r["targets"]) for r in results]


def blocking(findings: list[Finding]) -> list[Finding]:
    """The serious and critical findings."""
    return [finding for finding in findings if finding.impact in BLOCKING]


def first_row_orgid(page: Page) -> str:
    """The ORGID of the dashboard's first row."""
    page.goto("/customers")
    row = page.locator("#customer-table tbody tr").first
    expect(row).to_be_visible()
    return (row.get_attribute("id") or "").removeprefix("row-")


def first_link(page: Page, path: str, name: str | re.Pattern) -> str | None:
    """The address of the first link called `name` on the page at `path`, if any."""
    page.goto(path)
    links = page.get_by_role("link", name=name)
    return links.first.get_attribute("href") if links.count() else None


def partner_pages(page: Page) -> list[str]:
    """Every page a full-access partner administrator opens, with an empty and a filtered table."""
    orgid = first_row_orgid(page)
    pages = ["/", "/customers", "/customers?q=no-such-customer-anywhere", f"/customers/{orgid}",
             f"/customers/{orgid}/licensing", "/customers/invite-or-add", "/customers/invite", "/customers/add",
             f"/customers/{orgid}/remove", "/notifications", "/notifications/mine", "/account/settings",
             "/account/invitations", "/account/activity", "/account/two-factor", "/licenses", "/licenses/orders",
             "/support", "/service-provider/federated-domains", "/service-provider/workspace-appearance",
             "/licensing", "/customers/0000000000"]
    trend = first_link(page, f"/customers/{orgid}/licensing", "View Usage Trend")
    if trend:
        pages.append(trend)
    overage = first_link(page, f"/customers/{orgid}/licensing", "View Overage Chart")
    if overage:
        pages.append(overage)
    return pages


def customer_pages(page: Page) -> list[str]:
    """Every page a customer administrator opens."""
    pages = ["/", "/licensing", "/tickets", "/account/settings", "/notifications/mine", "/account/activity"]
    trend = first_link(page, "/licensing", "View Usage Trend")
    if trend:
        pages += [trend, f"{trend}/assignments"]
    return pages


def operator_pages(page: Page) -> list[str]:
    """The operator console's pages."""
    pages = ["/operator", "/operator/allocations", "/operator/memberships", "/operator/imports"]
    request = first_link(page, "/operator", re.compile(r"^#\d+"))
    if request:
        pages.append(request)
    return pages


def screenshot(page: Page, name: str, width: int) -> Path:
    """Save the viewport (and the whole page) as PNGs under artifacts/screenshots."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "home"
    path = SCREENSHOTS / f"{slug}-{width}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def horizontal_overflow(page: Page) -> int:
    """How many pixels the page is wider than the window (0 when it does not scroll sideways)."""
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
