"""The vendored vega-embed draws a chart under the site's real Content-Security-Policy."""

from __future__ import annotations

import pytest
from django.template import engines

pytestmark = pytest.mark.browser

# No public page draws a chart yet, so the test serves this one itself, with the CSP
# header the live site sends, and the real static files behind it.
CHART_PAGE = """{% load static %}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Chart</title>
<link rel="stylesheet" href="{% static 'css/citystat.css' %}"></head>
<body><main>
{{ spec|json_script:"chart-spec-requests" }}
<figure><div class="chart" data-chart-spec="chart-spec-requests"></div>
<figcaption>311 requests by month</figcaption></figure>
</main>{% include "_chart_scripts.html" %}</body></html>"""

SPEC = {
    "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
    "data": {
        "values": [{"month": "2026-01", "requests": 120}, {"month": "2026-02", "requests": 95}]
    },
    "mark": {"type": "bar", "tooltip": True},
    "encoding": {
        "x": {"field": "month", "type": "ordinal"},
        "y": {"field": "requests", "type": "quantitative"},
    },
    "transform": [{"calculate": "datum.requests * 2", "as": "doubled"}],
}


def test_a_vega_lite_chart_renders_without_breaking_the_csp(db, live_server, page, client):
    policy = client.get("/healthz").headers["Content-Security-Policy"]
    html = engines["django"].from_string(CHART_PAGE).render({"spec": SPEC})
    page.route(
        live_server.url + "/chart",
        lambda route: route.fulfill(
            body=html, content_type="text/html", headers={"Content-Security-Policy": policy}
        ),
    )
    problems: list[str] = []
    page.on("console", lambda m: m.type in ("error", "warning") and problems.append(m.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(live_server.url + "/chart")
    page.wait_for_selector(".chart svg .mark-rect path", timeout=10_000)
    assert page.locator(".chart svg .mark-rect path").count() == 2
    assert problems == []
