"""CSV cells are neutralised against formula injection in the one helper every export uses."""
from __future__ import annotations

import csv
import io

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from partner_portal.web.downloads import csv_lines, safe_cell


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x")', "+cmd@example.com", "-2+3+cmd|' /C calc'!A0",
                                  "@SUM(A1:A9)", "\t=1+1", "\r=1+1"])
def test_text_that_starts_like_a_formula_gets_an_apostrophe(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Fabrikam", "contact@fabrikam.example", "", " =not first", "2025-06-01",
                                   "120 %", "a=b", "—"])
def test_other_text_is_unchanged(value):
    assert safe_cell(value) == value


@pytest.mark.parametrize("value", [-5, 0, 42, -1.5, 2.5e-7, None])
def test_numbers_stay_numbers(value):
    # csv writes an int or float as digits (a minus at most): a number to a spreadsheet, never a formula.
    assert safe_cell(value) is value


def test_csv_lines_neutralise_every_row_and_quote_as_csv():
    lines = list(csv_lines([("Name", "Figure"), ("=1+1", -3), ("Plain, with comma", 4)]))
    assert lines == ["Name,Figure\r\n", "'=1+1,-3\r\n", '"Plain, with comma",4\r\n']
    assert list(csv.reader(io.StringIO("".join(lines))))[1] == ["'=1+1", "-3"]


def test_lines_leave_in_pieces_of_the_chunk_size_and_none_is_lost():
    from partner_portal.web.downloads import chunked

    lines = [f"{n},{'x' * (n % 7)}\r\n" for n in range(5000)]
    pieces = list(chunked(lines, size=1000))
    assert "".join(pieces) == "".join(lines)
    assert all(len(piece) >= 1000 for piece in pieces[:-1])
    assert all(len(piece) < 1000 + 20 for piece in pieces)  # no piece grows past one line over
    assert list(chunked([], size=10)) == []


def _reference_lines(rows):
    """The CSV text as first written: safe_cell on each value, one csv.writer line per row."""
    lines = []
    for row in rows:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerow([safe_cell(value) for value in row])
        lines.append(buffer.getvalue())
    return lines


cells = st.one_of(
    st.text(alphabet=st.sampled_from(list("=+-@\t\r\n\",; aZ0ä—'"))), st.integers(), st.floats(allow_nan=False),
    st.none(), st.sampled_from(['=HYPERLINK("http://x")', "+cmd@example.com", "-2", "@SUM(A1)"]),
)


@given(st.lists(st.lists(cells, max_size=8), max_size=300), st.integers(min_value=1, max_value=400))
@example(rows=[["ab"]] * 5, size=8)  # pieces that reach the size exactly
@example(rows=[[n] for n in range(200)] + [["=1+1"]], size=100)  # one risky cell in a later batch
# Each sign alone in its export (one risky cell sends its whole batch down the careful path).
@example(rows=[[1, "-2"]], size=10)
@example(rows=[["x", "+1"]], size=10)
@example(rows=[["x", '=1,"a"']], size=10)  # written quoted
@example(rows=[["a\tb", "\t=1"]], size=10)
@example(rows=[["x", "\r=1"]], size=10)
@example(rows=[["@A1"]], size=10)
def test_pieces_hold_the_same_text_as_the_reference_lines_in_pieces_of_the_size(rows, size):
    from partner_portal.web.downloads import BATCH_ROWS, csv_pieces

    lines = _reference_lines(rows)
    assert list(csv_lines(rows)) == lines
    pieces = list(csv_pieces(rows, size=size))
    assert "".join(pieces) == "".join(lines)
    assert all(len(piece) >= size for piece in pieces[:-1])
    # A piece ends at a batch: it never holds more than one batch past the size.
    longest_batch = max((len("".join(lines[i:i + BATCH_ROWS])) for i in range(len(lines))), default=0)
    assert all(len(piece) < size + longest_batch for piece in pieces)
    assert all(piece for piece in pieces)


def test_a_risky_cell_deep_in_a_long_export_is_neutralised():
    from partner_portal.web.downloads import csv_pieces

    rows = [("2025-01-01", n, n * 2) for n in range(1000)] + [("=cmd|' /C calc'!A0", 1, 2)]
    text = "".join(csv_pieces(rows, size=4096))
    assert text.endswith("'=cmd|' /C calc'!A0,1,2\r\n")
    assert "\n=" not in text and ",=" not in text
