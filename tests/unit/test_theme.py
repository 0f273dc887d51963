"""Theme colors: the hex format, WCAG contrast, the AA warning, and which customers take a theme."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from partner_portal.csp.theme import (
    AA_NORMAL_TEXT, DEFAULT_COLORS, ColorError, ThemeColors, contrast_ratio, normalize_hex, supports_theming,
)
from partner_portal.models import Tenancy

hex_colors = st.integers(0, 0xFFFFFF).map(lambda n: f"#{n:06x}")


@pytest.mark.parametrize("value, expected", [
    ("#0B5CAD", "#0b5cad"), ("0b5cad", "#0b5cad"), ("#abc", "#aabbcc"), ("  #FFF ", "#ffffff"),
])
def test_hex_colors_are_normalized(value, expected):
    assert normalize_hex(value) == expected


@pytest.mark.parametrize("value", [
    "", None, "red", "#12345", "#1234567", "#ggg", "rgb(0,0,0)", "#12 345", "javascript:alert(1)",
    "#fff;background:url(x)", "#ff ffff",
])
def test_anything_but_a_hex_color_is_refused(value):
    with pytest.raises(ColorError, match="hex color"):
        normalize_hex(value)


@pytest.mark.parametrize("first, second, ratio", [
    ("#000000", "#ffffff", 21.0), ("#ffffff", "#ffffff", 1.0), ("#777777", "#ffffff", 4.48),
    ("#767676", "#ffffff", 4.54), ("#0b5cad", "#ffffff", 6.67),
])
def test_contrast_ratio_matches_wcag(first, second, ratio):
    assert contrast_ratio(first, second) == pytest.approx(ratio, abs=0.01)


@given(hex_colors, hex_colors)
def test_contrast_is_symmetric_and_between_1_and_21(first, second):
    ratio = contrast_ratio(first, second)
    assert ratio == pytest.approx(contrast_ratio(second, first))
    assert 1 <= ratio <= 21.0000001


@given(st.text(max_size=12))
def test_normalize_hex_either_refuses_or_returns_a_canonical_color(value):
    try:
        color = normalize_hex(value)
    except ColorError:
        return
    assert len(color) == 7 and color == color.lower() and normalize_hex(color) == color


def test_warning_below_aa_and_never_at_or_above():
    grey = ThemeColors(banner="#ffffff", banner_text="#777777", icon="#000000", accent="#000000")
    assert grey.banner_text_fails_aa
    # Rounded down: 4.48 reads 4.4, never "4.5:1" beside a warning.
    assert "4.4:1" in grey.contrast_warning and "4.5:1" in grey.contrast_warning
    passing = ThemeColors(banner="#ffffff", banner_text="#767676", icon="#000000", accent="#000000")
    assert passing.banner_contrast >= AA_NORMAL_TEXT and passing.contrast_warning is None
    assert DEFAULT_COLORS.contrast_warning is None


def test_button_text_is_black_or_white_whichever_reads_better():
    assert ThemeColors("#000000", "#ffffff", "#000000", accent="#ffd700").on_accent == "#000000"
    assert ThemeColors("#000000", "#ffffff", "#000000", accent="#0b5cad").on_accent == "#ffffff"


def test_only_single_tenant_customers_take_a_theme():
    assert supports_theming(Tenancy.SINGLE) and not supports_theming(Tenancy.MULTI)
