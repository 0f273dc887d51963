"""Our script is served without comment lines and indentation, and nothing else changes."""
from pathlib import Path

import pytest

from partner_portal.web.assets import lean_script

ROOT = Path(__file__).resolve().parents[2]


def test_comment_lines_and_indentation_go_and_code_lines_stay_in_order():
    source = "// about\nfunction f() {\n  // why\n  return 'a // not a comment';\n}\n"
    assert lean_script(source) == "function f() {\nreturn 'a // not a comment';\n}\n"


def test_a_string_that_may_span_lines_leaves_the_script_as_it_is():
    for source in ("const s = `a\n  // b`;\n", "const s = 'a\\\n  // b';\n"):
        assert lean_script(source) == source


@pytest.mark.parametrize("name", ["app.js", "charts.js"])
def test_the_served_scripts_keep_every_code_line(name):
    source = (ROOT / "static/js" / name).read_text()
    lean = lean_script(source)
    code = [line.strip() for line in source.splitlines() if line.strip() and not line.strip().startswith("//")]
    assert lean.splitlines() == code
    assert len(lean) < len(source)
