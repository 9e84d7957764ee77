"""A place's feed writes its numbers as the pages do, in the reader's language."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.utils import translation

from citystat.plan import display
from citystat.public.places import new_data_summary

PLACE = SimpleNamespace(label="Ivanhoe")


def report(requests: int, median_days: float, planned: int) -> SimpleNamespace:
    return SimpleNamespace(
        requests=SimpleNamespace(
            dataset_slug="service-requests",
            area_requests=requests,
            last_day=dt.date(2026, 6, 30),
            area_median_days=median_days,
        ),
        demolitions=SimpleNamespace(dataset_slug="demolitions", planned=planned, completed=3),
    )


def test_the_feeds_counts_and_days_use_the_display_module_in_each_language():
    for language in ("en", "es"):
        with translation.override(language):
            text = new_data_summary(PLACE, report(12345, 4.25, 1200), "service-requests")
            count = display.number(12345, 0, language)
            days = display.bare(4.25, "days", language)
            demolitions = new_data_summary(PLACE, report(1, 1.0, 12000), "demolitions")
            planned = display.number(12000, 0, language)
        assert count in text and days in text, (language, text)
        assert planned in demolitions, (language, demolitions)
    with translation.override("es"):
        text = new_data_summary(PLACE, report(12345, 4.25, 0), "service-requests")
    # Not the English separators written by hand ("12,345", "4.25").
    assert "12.345" in text and "4,2" in text and "12,345" not in text
