"""The suite's chart: each page's share of the baseline's throughput per data set, as served (pale:
kept responses on) and rendered on every request (solid), with its budget marked, drawn as a plain
SVG (no plotting library needed)."""
from __future__ import annotations

from html import escape
from pathlib import Path

ROW, BAR, LEFT, WIDTH, TOP = 26, 9, 260, 420, 56
COLORS = {"small": "#2f6fb2", "large": "#d9822b"}


def _budget(page: dict) -> float | None:
    from bench.suite import THROUGHPUT_BUDGETS

    return THROUGHPUT_BUDGETS.get(page["name"]) or THROUGHPUT_BUDGETS.get(page["kind"])


def write_svg(result: dict, path: Path) -> None:
    """Horizontal bars (one per data set) per page; a dark tick at the page's budget."""
    sizes = result["sizes"]
    names = [page["name"] for page in next(iter(sizes.values()), [])]
    scale = max([0.35] + [page["ratio"] for pages in sizes.values() for page in pages]) * 1.1
    height = TOP + ROW * len(names) + 40
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{LEFT + WIDTH + 80}" height="{height}" '
             f'font-family="sans-serif" font-size="12">',
             f'<text x="10" y="20" font-size="14" font-weight="bold">Throughput as a share of a bare Flask view '
             f'({escape(result["database"])}, median of {result["runs"]} runs)</text>']
    for index, size in enumerate(sizes):
        parts.append(f'<rect x="{LEFT + index * 90}" y="30" width="10" height="10" fill="{COLORS.get(size, "#777")}"/>'
                     f'<text x="{LEFT + index * 90 + 14}" y="39">{escape(size)}</text>')
    parts.append(f'<text x="{LEFT + 190}" y="39">| budget · solid: rendered, pale: served</text>')
    step = 10 if scale <= 0.6 else 25  # percent between grid lines: labels must not overlap
    for percent in range(0, int(scale * 100) + 1, step):
        x = LEFT + WIDTH * percent / 100 / scale
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP - 6}" y2="{height - 34}" stroke="#ddd"/>'
                     f'<text x="{x:.1f}" y="{height - 20}" text-anchor="middle">{percent} %</text>')
    for row, name in enumerate(names):
        y = TOP + row * ROW
        parts.append(f'<text x="{LEFT - 8}" y="{y + 13}" text-anchor="end">{escape(name)}</text>')
        for index, (size, pages) in enumerate(sizes.items()):
            page = pages[row]
            color = COLORS.get(size, "#777")
            width = WIDTH * page["ratio"] / scale
            rendered = page.get("rendered_ratio", page["ratio"])
            parts.append(f'<rect x="{LEFT}" y="{y + index * BAR}" width="{width:.1f}" height="{BAR - 1}" '
                         f'fill="{color}" fill-opacity="0.35"><title>{escape(size)}: {page["ratio"]:.1%} served'
                         f'</title></rect>'
                         f'<rect x="{LEFT}" y="{y + index * BAR}" width="{WIDTH * rendered / scale:.1f}" '
                         f'height="{BAR - 1}" fill="{color}"><title>{escape(size)}: {rendered:.1%} rendered</title>'
                         f'</rect>'
                         f'<text x="{LEFT + width + 4:.1f}" y="{y + index * BAR + 8}" font-size="9">'
                         f'{page["ratio"]:.1%} ({rendered:.1%} rendered)</text>')
        budget = _budget(pages[row])
        if budget:
            x = LEFT + WIDTH * budget / scale
            parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y - 2}" y2="{y + ROW - 6}" stroke="#111" '
                         f'stroke-width="2"/>')
    parts.append("</svg>")
    path.write_text("\n".join(parts))
