"""Workspace theme colors: the hex format, the default theme, and WCAG contrast."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..models import Tenancy
from ..web.i18n import format_number, gettext

_HEX = re.compile(r"#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})")

# WCAG 2 level AA for normal-size text (the banner shows the user name and menu in body size).
AA_NORMAL_TEXT = 4.5


class ColorError(ValueError):
    """A value that is not a hex color; the message is shown next to the field."""


def normalize_hex(value: str | None) -> str:
    """Return `value` as '#rrggbb' (lower case; '#abc' and 'abc' are accepted); raises ColorError."""
    match = _HEX.fullmatch((value or "").strip())
    if match is None:
        raise ColorError(gettext("Use a hex color such as #0b5cad."))
    digits = match[1].lower()
    if len(digits) == 3:
        digits = "".join(ch * 2 for ch in digits)
    return "#" + digits


def _channel(value: int) -> float:
    """Linear value of one sRGB channel (0..255), as WCAG 2 defines relative luminance."""
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(color: str) -> float:
    """WCAG relative luminance of a '#rrggbb' color (0 for black, 1 for white)."""
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(first: str, second: str) -> float:
    """WCAG contrast ratio of two '#rrggbb' colors, from 1 (same) to 21 (black on white)."""
    light, dark = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@dataclass(frozen=True)
class ThemeColors:
    """The four colors of a workspace theme, each '#rrggbb'."""

    banner: str
    banner_text: str
    icon: str
    accent: str

    @property
    def banner_contrast(self) -> float:
        """Contrast of the banner text on the banner color."""
        return contrast_ratio(self.banner_text, self.banner)

    @property
    def banner_text_fails_aa(self) -> bool:
        """True when banner text on the banner falls below WCAG AA for normal text (4.5:1)."""
        return self.banner_contrast < AA_NORMAL_TEXT

    @property
    def contrast_warning(self) -> str | None:
        """What to tell the provider when the banner text is hard to read, else None."""
        if not self.banner_text_fails_aa:
            return None
        # Rounded down, so a ratio of 4.496 never reads "4.5:1" beside a warning.
        shown = int(self.banner_contrast * 10) / 10
        return gettext(
            "The banner text has a contrast ratio of %(ratio)s:1 on the banner color; WCAG AA asks for at "
            "least %(required)s:1. Some users will not be able to read it: choose a lighter or darker text color.",
            ratio=format_number(shown, 1),
            required=format_number(AA_NORMAL_TEXT, 1),
        )

    @property
    def on_accent(self) -> str:
        """Black or white, whichever reads better on the accent color (button labels)."""
        return (
            "#000000" if contrast_ratio("#000000", self.accent) > contrast_ratio("#ffffff", self.accent) else "#ffffff"
        )


DEFAULT_COLORS = ThemeColors(banner="#0f2742", banner_text="#ffffff", icon="#0b5cad", accent="#0b5cad")


def saved_colors(theme) -> ThemeColors:
    """The colors of a stored WorkspaceTheme, or the default ones when there is none."""
    if theme is None:
        return DEFAULT_COLORS
    return ThemeColors(
        banner=theme.banner_color, banner_text=theme.banner_text_color, icon=theme.icon_color, accent=theme.accent_color
    )


def supports_theming(tenancy: Tenancy) -> bool:
    """Themes are for single-tenant customers only (their own resource location, connectors and
    directory); customers sharing the provider's (multi-tenant) keep the default appearance."""
    return tenancy is Tenancy.SINGLE
