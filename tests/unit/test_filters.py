"""Template filters escape what they are given."""
from markupsafe import Markup


def test_breakable_email_escapes_both_halves_and_breaks_after_the_at(app):
    breakable = app.jinja_env.filters["breakable_email"]
    assert breakable('x"<b>@evil&co.example') == Markup("x&#34;&lt;b&gt;@<wbr>evil&amp;co.example")
    assert breakable("<no-at>") == Markup("&lt;no-at&gt;")
