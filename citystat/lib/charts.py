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
import re
from typing import Any, Literal

from django.core.cache import cache
from django.utils import translation

CACHE_SECONDS = 24 * 60 * 60
# Drawn sizes for specs whose width follows their container in the browser.
STATIC_WIDTH = 640
SOCIAL_CARD_WIDTH = 1200
SOCIAL_CARD_HEIGHT = 630


class ChartError(ValueError):
    """The spec is not a chart vl-convert can draw."""


# d3 locales for the site's languages: Spanish month names and number words on axes.
# static/js/charts.js gives the browser the same locale for the same language.
D3_LOCALES: dict[str, Literal["es-MX"]] = {"es": "es-MX"}


def chart_locale() -> Literal["es-MX"] | None:
    """Return the d3 locale name for the active language (None: d3's own English)."""
    return D3_LOCALES.get((translation.get_language() or "en").split("-")[0])


def spec_key(spec: dict[str, Any], kind: str) -> str:
    canonical = json.dumps(spec, sort_keys=True, separators=(",", ":"), default=str)
    language = chart_locale() or "en"
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    return f"citystat:chart:{kind}:{language}:{digest}"


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
    svg: str | None = cache.get(key)
    if svg is None:
        # vl-convert (a whole Vega engine) loads on the first chart drawn, not with the views.
        import vl_convert  # noqa: PLC0415

        locale = chart_locale()
        try:
            svg = vl_convert.vegalite_to_svg(
                fixed_size(spec, width), format_locale=locale, time_format_locale=locale
            )
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
    png: bytes | None = cache.get(key)
    if png is None:
        # vl-convert (a whole Vega engine) loads on the first chart drawn, not with the views.
        import vl_convert  # noqa: PLC0415

        sized = fixed_size(spec, width - 80, height - 120)
        locale = chart_locale()
        try:
            png = vl_convert.vegalite_to_png(
                sized, scale=1, format_locale=locale, time_format_locale=locale
            )
        except ValueError as error:
            raise ChartError(f"The chart could not be drawn: {error}") from error
        cache.set(key, png, CACHE_SECONDS)
    return png


# The accessibility attributes Vega writes on every axis, legend and mark, in English
# ("X-axis for a time scale…", "line mark") whatever the page's language. Text cannot hold
# `="`: vl-convert escapes quotes in labels.
VEGA_ARIA = re.compile(r'\s(?:role|aria-[a-z]+)="[^"]*"')


def inline_svg(spec: dict[str, Any], title: str, width: int = STATIC_WIDTH) -> str:
    """Return the SVG ready to place inside an HTML page: no XML prolog, labelled as an image.

    The drawing is one image named by `title` (translated by the caller); Vega's own English
    descriptions of its parts are removed, as static/js/charts.js does in the browser.
    The caller marks the result safe; vl-convert escapes the spec's text into the SVG.
    """
    svg = VEGA_ARIA.sub("", render_svg(spec, width))
    if svg.startswith("<?xml"):
        svg = svg.split("?>", 1)[1].lstrip()
    escaped_title = (
        title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )
    return svg.replace("<svg ", f'<svg role="img" aria-label="{escaped_title}" ', 1)
