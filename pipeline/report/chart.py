"""The provider leaderboard as an inline SVG chart (matplotlib, Agg, deterministic).

The SVG is text inside the HTML page: no image file, no request. Its ids are salted
with a constant and its metadata carries no date, so the same scores give the same bytes.
"""

from __future__ import annotations

import io
import re


def _metric(systems: list[dict]) -> tuple[str, str]:
    if any(s.get("chrf") is not None for s in systems):
        return "chrf", "chrF"
    return "consensus", "consensus chrF (no reference)"


def leaderboard_svg(systems: list[dict], title: str = "") -> str:
    """Horizontal bars of chrF (with the bootstrap confidence interval) per provider."""
    if not systems:
        return ""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    key, label = _metric(systems)
    rows = [s for s in systems if s.get(key) is not None]
    if not rows:
        return ""
    rows = sorted(rows, key=lambda s: (-float(s[key]), str(s["name"])))
    names = [str(s["name"]) for s in rows][::-1]
    vals = [float(s[key]) for s in rows][::-1]
    lo, hi = [], []
    for s, v in zip(rows[::-1], vals, strict=True):
        band = s.get(f"{key}_ci") or None
        if band and len(band) == 2 and band[0] is not None and band[1] is not None:
            lo.append(max(0.0, v - float(band[0])))
            hi.append(max(0.0, float(band[1]) - v))
        else:
            lo.append(0.0)
            hi.append(0.0)
    rc = {"svg.hashsalt": "sfia-qa", "svg.fonttype": "none", "text.parse_math": False,
          "font.family": ["DejaVu Sans"], "font.size": 9, "axes.spines.top": False,
          "axes.spines.right": False}
    with matplotlib.rc_context(rc):
        fig, ax = plt.subplots(figsize=(6.0, 0.35 * len(rows) + 0.9))
        try:
            ax.barh(range(len(rows)), vals, color="#4c78a8", xerr=[lo, hi],
                    error_kw={"ecolor": "#222222", "capsize": 3, "linewidth": 1})
            ax.set_yticks(range(len(rows)), names)
            ax.set_xlabel(label + (" with 95% bootstrap interval" if any(hi) else ""))
            top = max(v + h for v, h in zip(vals, hi, strict=True))
            ax.set_xlim(0, max(1.0, top * 1.08))
            for i, v in enumerate(vals):
                ax.text(v + hi[i] + top * 0.01, i, f"{v:.1f}", va="center", fontsize=8)
            if title:
                ax.set_title(title, fontsize=10)
            fig.tight_layout()
            buf = io.StringIO()
            fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
        finally:
            plt.close(fig)
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]  # drop the XML declaration and doctype: it is inlined in HTML
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    return svg.replace("<svg ", '<svg role="img" aria-label="provider leaderboard" ', 1)
