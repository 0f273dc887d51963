"""What every response must carry: the security headers, and cookies with the right flags."""
from __future__ import annotations

from sqlalchemy import func, select

from partner_portal.extensions import db

from .conftest import STATS

# Header -> a part its value must contain.
SECURITY_HEADERS = {
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=()",
}


def header_problems(response, secure: bool = False) -> list[str]:
    """What is missing or wrong in the response's security headers and Set-Cookie flags."""
    problems = []
    for name, part in SECURITY_HEADERS.items():
        if part not in response.headers.get(name, ""):
            problems.append(f"{name} missing or without {part!r}")
    csp = response.headers.get("Content-Security-Policy", "")
    if "script-src 'self'" not in csp or "unsafe-inline' " in csp.split("script-src", 1)[-1].split(";")[0]:
        problems.append(f"script-src is not 'self' only: {csp!r}")
    if secure and "max-age=" not in response.headers.get("Strict-Transport-Security", ""):
        problems.append("Strict-Transport-Security missing behind PORTAL_SECURE_COOKIES")
    if response.mimetype == "text/html" and "no-store" not in response.headers.get("Cache-Control", ""):
        problems.append("an HTML page without Cache-Control: no-store")
    for cookie in response.headers.getlist("Set-Cookie"):
        name = cookie.split("=", 1)[0]
        flags = {part.strip().split("=", 1)[0].lower(): part.strip() for part in cookie.split(";")[1:]}
        if "httponly" not in flags:
            problems.append(f"cookie {name} without HttpOnly")
        if flags.get("samesite", "").lower() not in ("samesite=lax", "samesite=strict"):
            problems.append(f"cookie {name} without SameSite=Lax or Strict")
        if ("secure" in flags) != secure:
            problems.append(f"cookie {name} {'without' if secure else 'with'} Secure")
    return problems


def check_response(response, where: str, secure: bool = False) -> None:
    """Fail unless the response carries the security headers and safe cookies; count it."""
    problems = header_problems(response, secure)
    assert not problems, f"{where} ({response.status_code}): {'; '.join(problems)}"
    STATS["headers"]["responses"] += 1


def row_counts() -> dict[str, int]:
    """The number of rows in every table (one statement)."""
    tables = db.metadata.sorted_tables
    counts = db.session.execute(select(*(select(func.count()).select_from(t).scalar_subquery() for t in tables))).one()
    return dict(zip((t.name for t in tables), counts, strict=True))
