"""CSV cells are neutralised against formula injection in the one helper every export uses."""
from __future__ import annotations

import csv
import io

import pytest

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
