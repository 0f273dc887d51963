"""Attack inputs for the property tests: payloads, the forms every page offers (found by reading the
pages, so a new form is covered without a new test), the query parameters the code reads, and what
a response must never contain."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask
from hypothesis import strategies as st
from werkzeug.exceptions import HTTPException

import partner_portal

from .matrix import default_path, get_routes, request_cell, signed_in_client

# Script, attribute, template and htmx-attribute payloads, and inputs that break naive code.
PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    '<div hx-get="/sign-out" hx-trigger="load" hx-target="body">x</div>',
    '" hx-post="/sign-out" hx-trigger="load" x="',
    "{{ 31337*1001 }}", "{% print(31337*1001) %}", "${31337*1001}", "#{31337*1001}",
    "javascript:alert(1)", "<a href=javascript:alert(1)>x</a>",
    "\x00", "a\x00b", "A" * 5000, "B" * 70_000,
    "\u202egnp.exe", "\u200b\u200c\u200d\ufeff", "e\u0301" * 60, "\U0001F469\u200d\U0001F469\u200d\U0001F467",
    "\uffff\ufffe", "\r\n\r\nSet-Cookie: x=1", " ", "", "-1", "0", "99999999999999999999999", "1e309", "NaN",
    "' OR 1=1 --", "../../../etc/passwd", "%00", "%2e%2e%2f", "2025-13-45", "Ω≈ç√∫", "\t\v\f",
]
# What must never appear in a response body: payloads that survived as markup, or evaluated templates.
RAW_MARKERS = ["<script>alert(", "<img src=x onerror", "<svg onload", '<div hx-get="/sign-out"',
               'hx-post="/sign-out" hx-trigger', "31368337", "<a href=javascript:"]

payload = st.one_of(st.sampled_from(PAYLOADS), st.text(max_size=200))


def query_names() -> list[str]:
    """Every query-string (and form) parameter name the package reads by name."""
    names = set()
    for source in Path(partner_portal.__file__).parent.rglob("*.py"):
        names.update(re.findall(r"""(?:args|form)\.get(?:list)?\(\s*["']([\w-]+)["']""", source.read_text()))
    return sorted(names)


class _FormReader(HTMLParser):
    """Collects each POST form's action and fields (name -> values the page offers)."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, dict[str, set[str]]]] = []
        self._fields: dict[str, set[str]] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "get").lower() == "post":
            self._fields = {}
            self.forms.append((attrs.get("action") or "", self._fields))
        elif self._fields is not None and tag in ("input", "select", "textarea", "option", "button"):
            if tag == "option":
                if self._last_select is not None and attrs.get("value") is not None:
                    self._fields[self._last_select].add(attrs["value"])
                return
            name = attrs.get("name")
            if not name or name == "csrf_token" or attrs.get("type") == "file":
                return
            values = self._fields.setdefault(name, set())
            if attrs.get("value") is not None:
                values.add(attrs["value"])
            self._last_select = name if tag == "select" else None

    _last_select = None

    def handle_endtag(self, tag):
        if tag == "form":
            self._fields = None


FORM_ROLES = ("partner_full", "customer_connected", "customer_unconnected", "operator", "anonymous",
              "directory_user")


def discover_forms(app: Flask, world) -> dict[tuple[str, str], dict[str, set[str]]]:
    """(endpoint, "POST") -> fields of the forms posting to it, from every GET page of several roles."""
    found: dict[tuple[str, str], dict[str, set[str]]] = {}
    adapter = app.url_map.bind("localhost")
    for role_name in FORM_ROLES:
        client = signed_in_client(app, role_name, world)
        for rule in get_routes(app):
            response = request_cell(app, client, "GET", default_path(app, rule, world))
            if response.mimetype != "text/html":
                continue
            reader = _FormReader()
            reader.feed(response.get_data(as_text=True))
            for action, fields in reader.forms:
                try:
                    endpoint, _ = adapter.match(urlsplit(action).path or default_path(app, rule, world), method="POST")
                except HTTPException:
                    continue
                merged = found.setdefault((endpoint, "POST"), {})
                for name, values in fields.items():
                    merged.setdefault(name, set()).update(values)
    return found


def api_bodies(app: Flask) -> dict[tuple[str, str], dict[str, set[str]]]:
    """(endpoint, method) -> fields of its JSON body (and the values an enum offers), read from the
    API's own OpenAPI document: the API's "forms"."""
    from partner_portal.api.openapi import document

    spec = document()
    prefix = spec["servers"][0]["url"]
    found: dict[tuple[str, str], dict[str, set[str]]] = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(prefix + "/"):
            continue
        template = re.sub(r"<(?:[^:>]+:)?(\w+)>", r"{\1}", rule.rule.removeprefix(prefix))
        for method in rule.methods - {"HEAD", "OPTIONS", "GET"}:
            body = spec["paths"].get(template, {}).get(method.lower(), {}).get("requestBody")
            if body is None or "application/json" not in body["content"]:
                continue  # no body, or a CSV upload (the operators' usage import)
            ref = body["content"]["application/json"]["schema"]["$ref"].rpartition("/")[2]
            properties = spec["components"]["schemas"][ref]["properties"]
            found[(rule.endpoint, method)] = {
                name: {str(v) for v in schema.get("enum", schema.get("items", {}).get("enum", []))}
                for name, schema in properties.items()}
    return found


def markup_problems(body: str) -> list[str]:
    """Payload markers a body shows raw (markup that would run, or an evaluated template)."""
    return [marker for marker in RAW_MARKERS if marker in body]
