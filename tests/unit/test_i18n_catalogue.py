"""The German catalogue is complete, current and compiled.

The messages are extracted from the code and templates exactly as `pybabel extract -F babel.cfg`
does (docs/i18n.md), and compared with partner_portal/translations/de/LC_MESSAGES/messages.po.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "partner_portal" / "translations" / "de" / "LC_MESSAGES" / "messages.po"
COMPILED = CATALOGUE.with_suffix(".mo")
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "lazy_ngettext": (1, 2), "stored_message": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{\w*\}")


def extracted() -> dict:
    """Message id -> where it is used, for every message in the source."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    messages: dict = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        key = message[0] if isinstance(message, tuple) else message
        messages.setdefault(key, []).append(f"{filename}:{lineno}")
    return messages


@pytest.fixture(scope="module")
def catalogue() -> Catalog:
    with open(CATALOGUE, "rb") as source:
        return read_po(source, locale="de")


@pytest.fixture(scope="module")
def source_messages() -> dict:
    return extracted()


def test_every_message_in_the_source_is_in_the_catalogue(catalogue, source_messages):
    missing = {msgid: where for msgid, where in source_messages.items() if msgid and msgid not in catalogue}
    assert not missing, "Not in the German catalogue (run the update in docs/i18n.md):\n" + "\n".join(
        f"{where[0]}: {msgid!r}" for msgid, where in missing.items()
    )


def test_the_catalogue_holds_no_message_the_source_no_longer_uses(catalogue, source_messages):
    stale = [message.id for message in catalogue if message.id and _key(message.id) not in source_messages]
    assert not stale, f"Stale entries: {stale}"


def test_every_entry_is_translated_and_none_is_fuzzy(catalogue):
    untranslated = [m.id for m in catalogue if m.id and not _translated(m.string)]
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    assert not untranslated, f"Untranslated: {untranslated}"
    assert not fuzzy, f"Fuzzy: {fuzzy}"


def test_translations_keep_their_placeholders(catalogue):
    wrong = []
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(PLACEHOLDER.findall(ids[-1])) | set(PLACEHOLDER.findall(ids[0]))
        for string in strings:
            if set(PLACEHOLDER.findall(string)) - wanted or (len(ids) == 1 and set(PLACEHOLDER.findall(string)) != wanted):
                wrong.append((message.id, string))
    assert not wrong, f"Placeholders differ: {wrong}"
    assert not [error for message in catalogue for error in message.check(catalogue)]


def test_the_compiled_catalogue_matches_its_source(catalogue):
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    assert COMPILED.read_bytes() == compiled.getvalue(), (
        "messages.mo is older than messages.po: pybabel compile -d partner_portal/translations"
    )


def _translated(string) -> bool:
    return all(string) if isinstance(string, tuple) else bool(string)


def _key(msgid):
    return msgid[0] if isinstance(msgid, tuple) else msgid
