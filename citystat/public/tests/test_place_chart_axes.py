"""A place page's count charts tick at whole numbers (#20: "Count axes tick at 0.5")."""

from __future__ import annotations

from types import SimpleNamespace

from citystat.public.place_report import requests_by_type_chart


def test_the_requests_by_type_axis_ticks_at_whole_requests():
    rows = [SimpleNamespace(request_type="Pothole", area_requests=1)]
    report = SimpleNamespace(
        requests=SimpleNamespace(by_type=rows), place=SimpleNamespace(label="Midtown")
    )
    axis = requests_by_type_chart(report)["encoding"]["x"]["axis"]  # type: ignore[arg-type]
    assert axis["tickMinStep"] == 1 and axis["format"] == ",d"
