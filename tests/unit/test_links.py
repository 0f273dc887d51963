"""The templates' url_for (web/links.py) must give exactly Flask's URL for every route."""
from __future__ import annotations

import pytest
from flask import url_for as flask_url_for
from werkzeug.routing import AnyConverter, IntegerConverter

from partner_portal.web import links

# Text that needs every kind of encoding: spaces, reserved and non-ASCII characters, a slash.
AWKWARD = ["plain", "two words", "a/b", "ä ö & = ? # %", "+plus+", "'quote'", "x" * 40]


def _value(converter, text: str):
    if isinstance(converter, IntegerConverter):
        return 7
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    return text


def _values(rule, text: str) -> dict:
    return {name: _value(rule._converters[name], text) for name in sorted(rule.arguments)}


def test_every_route_builds_the_same_url_as_flask(app):
    checked = 0
    with app.test_request_context("/"):
        for rule in app.url_map.iter_rules():
            for text in AWKWARD:
                values = _values(rule, text)
                assert links.url_for(rule.endpoint, **values) == flask_url_for(rule.endpoint, **values), rule
                # With query arguments too, in the order given, as text and as numbers.
                extra = {**values, "q": text, "page": 3, "customer": text}
                assert links.url_for(rule.endpoint, **extra) == flask_url_for(rule.endpoint, **extra), rule
                checked += 2
    assert checked > 500


def test_patterns_follow_the_script_root(app):
    with app.test_request_context("/", base_url="http://localhost/portal/"):
        assert links.url_for("customers.index", q="a b") == flask_url_for("customers.index", q="a b")
        assert links.url_for("customers.index", q="a b").startswith("/portal/")
    with app.test_request_context("/"):
        assert links.url_for("customers.index", q="a b") == "/customers?q=a+b"


@pytest.mark.parametrize("values", [
    {"_anchor": "top"}, {"_external": True}, {"q": None}, {"q": ["a", "b"]}, {"q": True},
])
def test_what_a_pattern_cannot_stand_for_goes_to_flask(app, values):
    with app.test_request_context("/"):
        assert links.url_for("customers.index", **values) == flask_url_for("customers.index", **values)


def test_text_where_a_number_belongs_is_refused_as_flask_refuses_it(app):
    endpoint = next(rule.endpoint for rule in app.url_map.iter_rules()
                    if any(isinstance(c, IntegerConverter) for c in rule._converters.values()))
    rule = app.url_map._rules_by_endpoint[endpoint][0]
    values = _values(rule, "text")
    with app.test_request_context("/"):
        links.url_for(endpoint, **values)  # the pattern is cached with a number
        bad = {name: "not-a-number" if isinstance(rule._converters[name], IntegerConverter) else value
               for name, value in values.items()}
        with pytest.raises(ValueError):
            flask_url_for(endpoint, **bad)
        with pytest.raises(ValueError):
            links.url_for(endpoint, **bad)


def test_templates_use_the_pattern_cache(app):
    assert app.jinja_env.globals["url_for"] is links.url_for


def test_an_absolute_url_is_never_kept_for_other_requests(app, monkeypatch):
    # When Flask builds an absolute URL (it names the host of that request), no pattern is kept
    # from it: the next request builds its own.
    links._patterns.clear()
    with app.test_request_context("/"):
        real = links.flask_url_for
        monkeypatch.setattr(links, "flask_url_for", lambda endpoint, **values: "http://elsewhere" + real(endpoint, **values))
        assert links.url_for("customers.index", q="x").startswith("http://elsewhere/")
        monkeypatch.setattr(links, "flask_url_for", real)
        assert links.url_for("customers.index", q="x") == "/customers?q=x"
