"""Charts drawn on the server as SVG: readable without JavaScript, nothing loaded from elsewhere.

A horizontal bar chart is all the dashboard needs (a count per grade, per list); every label is
escaped, and the chart carries its title and a text description for screen readers.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH = 560
LABEL_WIDTH = 250
VALUE_WIDTH = 60
ROW = 28
BAR = 18
TOP = 8


def bar_chart(chart_id: str, title: str, bars: Sequence[tuple[str, int]]) -> Markup:
    """A horizontal bar per (label, count), scaled to the largest count."""
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    largest = max((count for _, count in bars), default=0)
    height = TOP * 2 + ROW * max(len(bars), 1)
    summary = ", ".join(f"{label}: {count:,}" for label, count in bars) or "no data"
    parts = [
        f'<svg class="chart" id="{escape(chart_id)}" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(summary)}</desc>',
    ]
    if not bars:
        parts.append(f'<text x="0" y="{TOP + BAR}" class="chart-empty">no data</text>')
    for row, (label, count) in enumerate(bars):
        y = TOP + row * ROW
        width = 0.0 if largest == 0 else span * count / largest
        mid = y + BAR / 2
        parts.append(
            f'<g class="chart-row"><text class="chart-label" x="{LABEL_WIDTH - 8}" y="{mid}" '
            f'text-anchor="end" dominant-baseline="middle">{escape(label)}</text>'
            f'<rect class="chart-bar" x="{LABEL_WIDTH}" y="{y}" width="{width:.1f}" '
            f'height="{BAR}" fill="#2f6f8f"/>'
            f'<text class="chart-value" x="{LABEL_WIDTH + width + 6:.1f}" y="{mid}" '
            f'dominant-baseline="middle">{count:,}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
