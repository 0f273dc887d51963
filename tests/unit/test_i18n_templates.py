"""Every word a template shows goes through a translation call.

Each template is lexed with the application's own Jinja settings. The text outside `{% trans %}`
blocks (expressions replaced by a placeholder) is parsed as HTML; a text node or a user-facing
attribute (title, alt, placeholder, aria-label, ...) holding a letter fails the test, and so does
a string literal in an expression that reads as words ("Save changes", 'No results') outside a
gettext call. Script and style content is not text.

Run one area: `pytest tests/unit/test_i18n_templates.py -k customers`.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from jinja2 import Environment

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))
MARK = "\ue000"  # stands for an expression or a translated block: no letter, no tag
# Attributes whose values are read to the user (screen readers, tooltips, dialogs).
SPOKEN_ATTRIBUTES = {
    "title",
    "alt",
    "placeholder",
    "aria-label",
    "aria-description",
    "aria-roledescription",
    "aria-valuetext",
    "hx-confirm",
    "data-confirm",
    "label",
    "summary",
    "data-label",  # the phone layout shows it as the cell's heading
}
# Codes that read the same in every language the portal speaks.
UNTRANSLATED_WORDS = {"ORGID", "CSV", "UTC", "API", "GB", "TB", "MB", "KB", "ICS", "URL", "ID", "JSON", "SVG", "PNG"}
WORDS = re.compile(r"[^\W\d_]+")
# A literal that reads as words: a capitalised word, or two words with a space between.
PROSE = re.compile(r"(^|\s)[A-Z][a-z]+\b|[a-z]{2,}[,.:?!]? +[a-z]{2,}")
GETTEXT_CALLS = {"_", "gettext", "ngettext", "pgettext", "npgettext"}


def _environment() -> Environment:
    from partner_portal import create_app

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "PORTAL_DEMO": False})
    return app.jinja_env


@pytest.fixture(scope="module")
def env() -> Environment:
    return _environment()


def _is_prose(text: str) -> bool:
    """Whether some of `text` is words a reader would need translated."""
    words = [w for w in WORDS.findall(text) if w not in UNTRANSLATED_WORDS]
    return bool(words)


class _TextFinder(HTMLParser):
    """Collects (line, text) for text nodes and spoken attributes that hold words."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._raw = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._raw += 1
        spoken = dict(attrs)
        for name, value in attrs:
            if value and (name in SPOKEN_ATTRIBUTES or (name == "value" and spoken.get("type") in ("submit", "button"))):
                if _is_prose(value.replace(MARK, " ")):
                    self.found.append((self.getpos()[0], f'{name}="{value.replace(MARK, "…")}"'))

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._raw:
            self._raw -= 1

    def handle_data(self, data):
        if not self._raw and _is_prose(data.replace(MARK, " ")):
            self.found.append((self.getpos()[0], data.replace(MARK, "…").strip()))


def untranslated(env: Environment, source: str) -> list[tuple[int, str]]:
    """Where `source` shows words outside translation calls: (line, text) pairs."""
    page: list[str] = []
    line = 1
    in_trans = False
    found: list[tuple[int, str]] = []
    tokens = [token for token in env.lex(source) if token[1] != "whitespace"]
    for index, (lineno, kind, value) in enumerate(tokens):
        if kind == "name" and index and tokens[index - 1][1] == "block_begin":
            if value == "trans":
                in_trans = True
            elif value == "endtrans":
                in_trans = False
        if kind == "string" and not in_trans and PROSE.search(literal := value[1:-1]):
            # Words in an expression are fine only as the first argument of a gettext call.
            before = [t for t in tokens[max(0, index - 2) : index]]
            called = len(before) == 2 and before[0][1] == "name" and before[0][2] in GETTEXT_CALLS
            if not called and not _argument_of_gettext(tokens, index):
                found.append((lineno, literal))
        if lineno > line:
            page.append("\n" * (lineno - line))
            line = lineno
        if kind == "data" and not in_trans:
            page.append(value)
            line += value.count("\n")
        elif kind in ("variable_begin", "block_begin", "data"):
            page.append(MARK)
            if kind == "data":
                line += value.count("\n")
    finder = _TextFinder()
    finder.feed("".join(page))
    finder.close()
    return sorted(found + finder.found)


def _argument_of_gettext(tokens, index: int) -> bool:
    """Whether the string at `index` is an argument (singular or plural) of a gettext call."""
    depth = 0
    for lineno, kind, value in reversed(tokens[:index]):
        if kind == "operator" and value == ")":
            depth += 1
        elif kind == "operator" and value == "(":
            if depth == 0:
                continue
            depth -= 1
        elif kind == "name" and depth == 0 and value in GETTEXT_CALLS:
            return True
        elif kind in ("variable_begin", "block_begin"):
            return False
    return False


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT / "templates")))
def test_template_shows_no_text_outside_translation_calls(env, template):
    found = untranslated(env, template.read_text(encoding="utf-8"))
    assert not found, "\n".join(f"{template.name}:{line}: {text}" for line, text in found)


def test_the_check_finds_plain_text_attributes_and_literals(env):
    # The check itself: each kind of untranslated text is caught, and translated text is not.
    assert untranslated(env, "<p>Hello</p>") == [(1, "Hello")]
    assert untranslated(env, '<p>\n<img alt="A chart" src="x"></p>') == [(2, 'alt="A chart"')]
    assert untranslated(env, "{{ field(f, hint='Choose one option') }}") == [(1, "Choose one option")]
    assert untranslated(env, '<input type="submit" value="Save">')
    assert untranslated(env, "<p>{{ _('Hello') }} <b>{{ name }}</b> · 42 {{ n|number }}</p>") == []
    assert untranslated(env, "<p>{% trans name=n %}Hello {{ name }}{% endtrans %}</p>") == []
    assert untranslated(env, "{{ _('%(n)s rows', n=ngettext('one', 'many', 3)) }}") == []
    assert untranslated(env, '<p class="badge badge-on" data-x="a b">ORGID · CSV</p><script>let a = "Hi";</script>') == []
