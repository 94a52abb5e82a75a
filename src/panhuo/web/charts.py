"""Server-rendered SVG charts (pure: data in, markup out; no JavaScript library)."""

from __future__ import annotations

from html import escape

PALETTE = ("#2f6f8f", "#d9822b", "#4b9e5f", "#b8494d", "#7d5ba6", "#8c7b4f", "#3e8e9e", "#c46aa3")


def bar_chart(data: list[tuple[str, float]], *, title: str = "", width: int = 360, unit: str = "",
              max_bars: int = 12) -> str:
    """A horizontal bar chart as an inline ``<svg>`` (labels left, values right); empty data says so."""
    rows = data[:max_bars]
    bar_h, gap, label_w, value_w = 18, 6, 110, 52
    height = max(1, len(rows)) * (bar_h + gap) + 28
    top = max((v for _, v in rows), default=0) or 1
    usable = width - label_w - value_w
    parts = [(f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
             f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'),
             f'<text x="0" y="14" class="chart-title">{escape(title)}</text>']
    if not rows:
        parts.append('<text x="0" y="40" class="chart-empty">—</text>')
    for i, (label, value) in enumerate(rows):
        y = 24 + i * (bar_h + gap)
        w = max(1.0, usable * value / top) if value else 0
        shown = f"{value:.0%}" if unit == "%" else f"{value:g}{unit}"
        parts.append(f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end" class="chart-label">'
                     f'{escape(str(label)[:14])}</text>'
                     f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" rx="2" '
                     f'fill="{PALETTE[i % len(PALETTE)]}"><title>{escape(str(label))}: {shown}</title></rect>'
                     f'<text x="{label_w + w + 4:.1f}" y="{y + 13}" class="chart-value">{escape(shown)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def progress_bar(rate: float | None, *, width: int = 160) -> str:
    """A small progress bar for 盘点率 (``None`` renders an empty track)."""
    r = 0.0 if rate is None else max(0.0, min(1.0, rate))
    label = "—" if rate is None else f"{r:.0%}"
    return (f'<svg class="progress" viewBox="0 0 {width} 14" width="{width}" height="14" role="img" '
            f'aria-label="{label}" xmlns="http://www.w3.org/2000/svg">'
            f'<rect width="{width}" height="14" rx="3" fill="#e4e8ec"/>'
            f'<rect width="{width * r:.1f}" height="14" rx="3" fill="#4b9e5f"/>'
            f'<text x="{width / 2}" y="11" text-anchor="middle" class="progress-label">{label}</text></svg>')
