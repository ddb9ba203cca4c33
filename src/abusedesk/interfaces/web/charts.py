"""Charts as inline SVG drawn on the server: no script, no inline style (colours are SVG
presentation attributes, which the Content-Security-Policy allows). Each bar carries a
``<title>`` so hovering shows its value."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 640
HEIGHT = 220
MARGIN_LEFT = 36
MARGIN_BOTTOM = 28
BAR_COLOUR = "#1f5fbf"
ALERT_COLOUR = "#b42318"
LINK_COLOUR = "#1f5fbf"


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: float
    title: str
    href: str | None = None  # a row chart's row links here (a local path)


def _nice_max(value: float) -> float:
    if value <= 5:
        return 5
    step = 10 ** (len(str(int(value))) - 1)
    return float(((int(value) // step) + 1) * step)


def column_chart(bars: Sequence[Bar], *, label: str, alert: bool = False,
                 every_nth_label: int = 1) -> Markup:
    """Vertical bars over a shared baseline, with a y-axis maximum and sparse x labels."""
    top = _nice_max(max((bar.value for bar in bars), default=0))
    plot_w = WIDTH - MARGIN_LEFT - 8
    plot_h = HEIGHT - MARGIN_BOTTOM - 10
    slot = plot_w / max(len(bars), 1)
    parts = [f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(label)}" '
             'xmlns="http://www.w3.org/2000/svg" font-size="12" font-family="sans-serif">',
             f'<line x1="{MARGIN_LEFT}" y1="{10 + plot_h}" x2="{WIDTH - 8}" y2="{10 + plot_h}" '
             'stroke="#9aa3b2"/>',
             f'<text x="{MARGIN_LEFT - 4}" y="16" text-anchor="end" fill="#5d6675">{top:g}</text>',
             f'<text x="{MARGIN_LEFT - 4}" y="{10 + plot_h}" text-anchor="end" '
             'fill="#5d6675">0</text>']
    colour = ALERT_COLOUR if alert else BAR_COLOUR
    for index, bar in enumerate(bars):
        height = 0 if top == 0 else plot_h * bar.value / top
        x = MARGIN_LEFT + index * slot + slot * 0.15
        y = 10 + plot_h - height
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" '
                     f'height="{height:.1f}" fill="{colour}">'
                     f'<title>{escape(bar.title)}</title></rect>')
        if index % every_nth_label == 0:
            parts.append(f'<text x="{x + slot * 0.35:.1f}" y="{HEIGHT - 10}" text-anchor="middle" '
                         f'fill="#5d6675">{escape(bar.label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped above


def row_chart(rows: Sequence[Bar], *, label: str) -> Markup:
    """Horizontal bars, one per row, labelled on the left (for categories)."""
    row_h = 22
    height = max(row_h * len(rows) + 8, 30)
    left = 250
    top = max((bar.value for bar in rows), default=0) or 1
    parts = [f'<svg viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(label)}" '
             'xmlns="http://www.w3.org/2000/svg" font-size="12" font-family="sans-serif">']
    for index, bar in enumerate(rows):
        y = 4 + index * row_h
        width = (WIDTH - left - 50) * bar.value / top
        if bar.href:
            parts.append(f'<a href="{escape(bar.href)}">')
        parts.append(f'<text x="{left - 6}" y="{y + 14}" text-anchor="end" '
                     f'fill="{LINK_COLOUR if bar.href else "#1d2330"}">'
                     f'{escape(bar.label[:42])}</text>')
        parts.append(f'<rect x="{left}" y="{y + 3}" width="{width:.1f}" height="{row_h - 8}" '
                     f'fill="{BAR_COLOUR}"><title>{escape(bar.title)}</title></rect>')
        parts.append(f'<text x="{left + width + 4:.1f}" y="{y + 14}" fill="#5d6675">'
                     f'{bar.value:g}</text>')
        if bar.href:
            parts.append("</a>")
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped above
