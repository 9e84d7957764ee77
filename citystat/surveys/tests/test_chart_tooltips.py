"""Survey charts name what their tooltips show in the reader's language."""

from __future__ import annotations

from django.utils import translation

from citystat.lib.tests.chart_checks import unnamed_tooltip_fields
from citystat.surveys.charts import line_chart, quadrant_chart
from citystat.surveys.ratings import Priority


def test_the_line_charts_tooltip_names_both_fields():
    rows = [{"month": "2026-01-01", "requests": 12}, {"month": "2026-02-01", "requests": 9}]
    with translation.override("es"):
        spec = line_chart(rows, "month", "requests", "Solicitudes", "Solicitudes",
                          temporal=True, x_title="Mes")  # fmt: skip
    assert unnamed_tooltip_fields(spec) == []
    titles = [entry["title"] for entry in spec["layer"][-1]["encoding"]["tooltip"]]
    assert titles == ["Mes", "Solicitudes"]


def test_the_priority_charts_tooltip_names_every_field():
    priorities = [
        Priority(
            item=f"q{n}",
            label=f"Service {n}",
            importance=0.1 * n,
            satisfaction=0.2 * n,
            rating=0.02 * n,
            band="",
            quadrant="maintain",
            rank=n,
        )
        for n in range(1, 4)  # fmt: skip
    ]
    with translation.override("es"):
        spec = quadrant_chart(priorities, "Prioridades")
    assert unnamed_tooltip_fields(spec) == []
    titles = {entry["title"] for layer in spec["layer"] for entry in
              layer.get("encoding", {}).get("tooltip", [])}  # fmt: skip
    assert "Satisfechos" in titles


def test_a_count_or_money_axis_ticks_at_whole_numbers():
    # #20: a month with 1 or 2 requests drew ticks at 0.5 requests.
    rows = [{"month": "2026-01-01", "requests": 1}, {"month": "2026-02-01", "requests": 2}]
    for fmt in (",.0f", "$,.0f"):
        spec = line_chart(rows, "month", "requests", "Requests", "Requests", fmt, temporal=True)
        assert spec["layer"][-1]["encoding"]["y"]["axis"] == {"format": fmt, "tickMinStep": 1}
    shares = line_chart(rows, "month", "requests", "Share", "Share", ".0%", temporal=True)
    assert "tickMinStep" not in shares["layer"][-1]["encoding"]["y"]["axis"]
