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
    traces: list[dict[str, Any]], *, title: str = "", barmode: str | None = None, height: int = 320
) -> str:
    """A figure as JSON for the `chart` template macro."""
    layout: dict[str, Any] = {
        "title": {"text": title, "font": {"size": 14}},
        "height": height,
        "margin": {"l": 48, "r": 16, "t": 40 if title else 16, "b": 40},
        "font": {"family": _FONT},
        "legend": {"orientation": "h"},
    }
    if barmode:
        layout["barmode"] = barmode
    return json.dumps({"data": traces, "layout": layout}, ensure_ascii=False, default=str)
