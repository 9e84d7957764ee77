"""Vega-Lite charts drawn on the server: SVG for pages without JavaScript, print and
briefing books, PNG for social cards.

Every chart on the site is one Vega-Lite spec. The browser draws it with the vendored
vega-embed (static/js/charts.js); these functions draw the same spec with vl-convert, a
self-contained Vega engine, so there is no Node.js or browser on the server. Rendering
takes tens of milliseconds, so results are kept in the cache under a hash of the spec:
the same values draw once.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.core.cache import cache

CACHE_SECONDS = 24 * 60 * 60
# Drawn sizes for specs whose width follows their container in the browser.
STATIC_WIDTH = 640
SOCIAL_CARD_WIDTH = 1200
SOCIAL_CARD_HEIGHT = 630


class ChartError(ValueError):
    """The spec is not a chart vl-convert can draw."""


def spec_key(spec: dict[str, Any], kind: str) -> str:
    canonical = json.dumps(spec, sort_keys=True, separators=(",", ":"), default=str)
    return f"citystat:chart:{kind}:" + hashlib.sha256(canonical.encode()).hexdigest()


def fixed_size(spec: dict[str, Any], width: int, height: int | None = None) -> dict[str, Any]:
    """Return `spec` with container-relative sizes replaced by pixels (no container here)."""
    sized = dict(spec)
    if sized.get("width") in (None, "container"):
        sized["width"] = width
    if height is not None:
        sized["height"] = height
    elif sized.get("height") == "container":
        sized["height"] = round(width * 0.5)
    sized.setdefault("background", "white")
    return sized


def render_svg(spec: dict[str, Any], width: int = STATIC_WIDTH) -> str:
    """Return the chart as a standalone SVG document string."""
    key = spec_key(spec, f"svg{width}")
    svg = cache.get(key)
    if svg is None:
        import vl_convert

        try:
            svg = vl_convert.vegalite_to_svg(fixed_size(spec, width))
        except ValueError as error:
            raise ChartError(f"The chart could not be drawn: {error}") from error
        cache.set(key, svg, CACHE_SECONDS)
    return svg


def render_png(
    spec: dict[str, Any],
    width: int = SOCIAL_CARD_WIDTH,
    height: int = SOCIAL_CARD_HEIGHT,
) -> bytes:
    """Return the chart as PNG bytes, sized for Open Graph and Twitter cards by default."""
    key = spec_key(spec, f"png{width}x{height}")
    png = cache.get(key)
    if png is None:
        import vl_convert

        sized = fixed_size(spec, width - 80, height - 120)
        try:
            png = vl_convert.vegalite_to_png(sized, scale=1)
        except ValueError as error:
            raise ChartError(f"The chart could not be drawn: {error}") from error
        cache.set(key, png, CACHE_SECONDS)
    return png


def inline_svg(spec: dict[str, Any], title: str, width: int = STATIC_WIDTH) -> str:
    """Return the SVG ready to place inside an HTML page: no XML prolog, labelled as an image.

    The caller marks the result safe; vl-convert escapes the spec's text into the SVG.
    """
    svg = render_svg(spec, width)
    if svg.startswith("<?xml"):
        svg = svg.split("?>", 1)[1].lstrip()
    escaped_title = (
        title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )
    return svg.replace("<svg ", f'<svg role="img" aria-label="{escaped_title}" ', 1)
