"""Survey pages write their numbers through plan/display.py (#20): in Spanish a table
reads "57,7 %" and "1.234", never "57.7%" beside a measure's "57,7 %". The expected
strings are written out by hand."""

from __future__ import annotations

import pytest
from django.utils import translation

from citystat.lib.stats import Interval
from citystat.surveys.evidence import Correlation
from citystat.surveys.templatetags.survey_numbers import d3number, points

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("value", "d3_format", "english", "spanish"),
    [(0.577, ".1%", "57.7%", f"57,7{NBSP}%"),
     (0.65, ".0%", "65%", f"65{NBSP}%"),
     (1234.5, ",.0f", "1,234", "1.234"),
     (4.25, ",.1f", "4.2", "4,2"),
     (1234567, "$,.0f", "$1,234,567", f"1.234.567{NBSP}US$"),
     (0.2, ".3f", "0.200", "0,200")],
)  # fmt: skip
def test_survey_table_numbers_follow_the_readers_language(value, d3_format, english, spanish):
    with translation.override("en"):
        assert d3number(value, d3_format) == english
    with translation.override("es"):
        assert d3number(value, d3_format) == spanish


def test_percentage_points_and_a_correlation_read_in_spanish():
    with translation.override("es"):
        assert points(-0.052, 1) == "-5,2"
        assert points(0.05) == "5"
        reading = Correlation("x", 0.634, Interval(0.4, 0.8), 1200).reading
    assert "0,63" in reading and "0.63" not in reading
