"""The chart helper: Plotly figures rendered by the plotly.js that ships inside the plotly package."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

PLOTLY_JS_URL = "/static/vendor/plotly.min.js"
_FONT = "Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif"


def plotly_js_path() -> Path:
    return Path(str(resources.files("plotly") / "package_data" / "plotly.min.js"))


def figure(
    traces: list[dict[str, Any]],
    *,
    title: str = "",
    barmode: str | None = None,
    height: int = 320,
    categories: bool = False,
) -> str:
    """A figure as JSON for the `chart` template macro; `categories`: the x values are labels
    (e.g. months as 2026-01), not dates or numbers to scale."""
    layout: dict[str, Any] = {
        "title": {"text": title, "font": {"size": 14}},
        "height": height,
        "margin": {"l": 48, "r": 16, "t": 40 if title else 16, "b": 40},
        "font": {"family": _FONT},
        "legend": {"orientation": "h"},
    }
    if barmode:
        layout["barmode"] = barmode
    if categories:
        layout["xaxis"] = {"type": "category"}
    return json.dumps({"data": traces, "layout": layout}, ensure_ascii=False, default=str)


def sparkline(trend: list[list[Any]], width: int = 96, height: int = 24) -> str:
    """A trend as a small inline SVG (no script): days without a value break the line."""
    values = [v for _, v in trend if v is not None]
    if len(values) < 2:
        return ""
    lo, hi = min(values), max(values)
    span = (hi - lo) or 1.0
    step = width / (len(trend) - 1)
    runs: list[list[str]] = [[]]
    for i, (_, v) in enumerate(trend):
        if v is None:
            runs.append([])
            continue
        y = height - 2 - (v - lo) / span * (height - 4)
        runs[-1].append(f"{i * step:.1f},{y:.1f}")
    lines = "".join(
        f'<polyline points="{" ".join(r)}" fill="none" stroke="#2563eb" stroke-width="1.5"/>'
        for r in runs
        if len(r) > 1
    )
    title = f"{trend[0][0]} … {trend[-1][0]}: {values[0]:,.4g} → {values[-1]:,.4g}"
    return (
        f'<svg class="spark" width="{width}" height="{height}" role="img" '
        f'aria-label="{title}"><title>{title}</title>{lines}</svg>'
    )
