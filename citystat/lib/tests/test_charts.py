import re

import pytest

from citystat.lib.charts import ChartError, inline_svg, render_png, render_svg
from citystat.lib.tests.chart_checks import unnamed_tooltip_fields

SPEC = {
    "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
    "width": "container",
    "data": {"values": [{"month": "2026-01", "value": 12}, {"month": "2026-02", "value": 7}]},
    "mark": "bar",
    "encoding": {
        "x": {"field": "month", "type": "ordinal"},
        "y": {"field": "value", "type": "quantitative"},
    },
}


def test_a_spec_draws_to_svg_with_its_marks_and_labels():
    svg = render_svg(SPEC)
    assert svg.lstrip().startswith(("<svg", "<?xml"))
    assert "2026-01" in svg and "2026-02" in svg
    assert 'width="' in svg


def test_inline_svg_is_labelled_for_screen_readers_and_escapes_the_title():
    svg = inline_svg(SPEC, 'Potholes "filled" <by month>')
    assert svg.startswith("<svg ")
    assert 'aria-label="Potholes &quot;filled&quot; &lt;by month&gt;"' in svg
    assert 'role="img"' in svg


def test_inline_svg_keeps_none_of_vegas_english_descriptions():
    # Vega names each axis and mark in English ("X-axis titled 'month' for a discrete
    # scale…", "bar mark"); on a Spanish page those words would be read aloud.
    drawn = render_svg(SPEC)
    assert "aria-roledescription" in drawn and "X-axis" in drawn
    svg = inline_svg(SPEC, "Baches por mes")
    assert re.findall(r'\s(role|aria-[a-z]+)="([^"]*)"', svg) == [
        ("role", "img"),
        ("aria-label", "Baches por mes"),
    ]
    assert "2026-01" in svg


def test_social_card_is_a_png_of_the_asked_size():
    png = render_png(SPEC, width=600, height=315)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(png[16:20], "big")
    assert 400 <= width <= 600


def test_a_broken_spec_says_so():
    with pytest.raises(ChartError, match="could not be drawn"):
        render_svg({"mark": "bar", "encoding": {"x": {"field": "a", "type": "nonsense"}}})


def test_an_unnamed_tooltip_field_is_found_in_any_layer():
    spec = {
        "layer": [
            {"encoding": {"tooltip": [{"field": "period_start"}, {"field": "v", "title": "V"}]}},
            {"encoding": {"tooltip": {"field": "gap"}}},
        ]
    }
    assert unnamed_tooltip_fields(spec) == ["period_start", "gap"]
