"""The provider leaderboard as an inline SVG chart, written directly (no plotting library).

Horizontal bars of chrF (or consensus chrF without a reference), best first, with the 95%
bootstrap interval as a whisker and the value printed at the end. The SVG is text inside the
HTML page: no image file, no request, no script; every piece of data in it is escaped, and
the same scores give the same bytes. Writing it by hand spares loading matplotlib (most of
``make qa``'s start-up) for one bar chart.
"""

from __future__ import annotations

from markupsafe import escape

ROW = 22          # px per provider
LEFT = 170        # px for the names
PLOT = 380        # px for the bars
TOP, BOTTOM = 8, 36


def _metric(systems: list[dict]) -> tuple[str, str]:
    if any(s.get("chrf") is not None for s in systems):
        return "chrf", "chrF"
    return "consensus", "consensus chrF (no reference)"


def _band(s: dict, key: str, v: float) -> tuple[float, float]:
    band = s.get(f"{key}_ci") or None
    if band and len(band) == 2 and band[0] is not None and band[1] is not None:
        return min(v, float(band[0])), max(v, float(band[1]))
    return v, v


def _n(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def leaderboard_svg(systems: list[dict], title: str = "") -> str:
    """The chart for a leaderboard's systems; '' when there is nothing to draw."""
    if not systems:
        return ""
    key, label = _metric(systems)
    rows = sorted((s for s in systems if s.get(key) is not None), key=lambda s: (-float(s[key]), str(s["name"])))
    if not rows:
        return ""
    vals = [float(s[key]) for s in rows]
    bands = [_band(s, key, v) for s, v in zip(rows, vals, strict=True)]
    top = max(max(v, hi) for v, (_lo, hi) in zip(vals, bands, strict=True))
    scale = max(1.0, top * 1.08)
    has_ci = any(hi > lo for lo, hi in bands)
    width, height = LEFT + PLOT + 50, TOP + ROW * len(rows) + BOTTOM

    def x(v: float) -> float:
        return LEFT + PLOT * v / scale

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="provider leaderboard" '
           f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
           'font-family="DejaVu Sans, Segoe UI, Arial, sans-serif" font-size="11">']
    if title:
        out.append(f"<title>{escape(title)}</title>")
    for i, (s, v, (lo, hi)) in enumerate(zip(rows, vals, bands, strict=True)):
        y = TOP + ROW * i
        mid = y + ROW / 2
        name = str(s["name"])
        shown = name if len(name) <= 26 else name[:25] + "…"
        out.append(f'<text x="{LEFT - 6}" y="{mid + 4:.1f}" text-anchor="end"><title>{escape(name)}</title>'
                   f"{escape(shown)}</text>")
        out.append(f'<rect x="{LEFT}" y="{y + 4}" width="{x(v) - LEFT:.1f}" height="{ROW - 8}" fill="#4c78a8"/>')
        if hi > lo:
            out.append(f'<path d="M{x(lo):.1f} {mid:.1f}H{x(hi):.1f}M{x(lo):.1f} {mid - 4:.1f}V{mid + 4:.1f}'
                       f'M{x(hi):.1f} {mid - 4:.1f}V{mid + 4:.1f}" stroke="#222" stroke-width="1" fill="none"/>')
        out.append(f'<text x="{x(max(v, hi)) + 4:.1f}" y="{mid + 4:.1f}" font-size="10">{_n(v)}</text>')
    axis_y = TOP + ROW * len(rows)
    out.append(f'<path d="M{LEFT} {TOP}V{axis_y}H{LEFT + PLOT}" stroke="#555" fill="none"/>')
    step = 10 if scale <= 60 else 20
    for t in range(0, int(scale) + 1, step):
        out.append(f'<path d="M{x(t):.1f} {axis_y}v4" stroke="#555"/>'
                   f'<text x="{x(t):.1f}" y="{axis_y + 15}" text-anchor="middle" font-size="9">{t}</text>')
    caption = label + (" with 95% bootstrap interval" if has_ci else "")
    out.append(f'<text x="{LEFT + PLOT / 2:.1f}" y="{height - 4}" text-anchor="middle">{escape(caption)}</text>')
    out.append("</svg>")
    return "".join(out)
