import math

import pytest

from citystat.surveys.evidence import pearson
from citystat.surveys.templatetags.survey_numbers import d3number


def test_pearson_of_a_perfect_line_is_one_with_a_tight_interval():
    result = pearson([(x, 2 * x + 1) for x in range(20)], "line")
    assert result.coefficient == pytest.approx(1.0, abs=1e-5)
    assert result.interval.low > 0.99


def test_pearson_matches_a_known_value_and_fisher_interval():
    # x = 1..5, y = 2,4,5,4,5: r = 0.7746 (textbook example); n = 5, so se = 1/sqrt(2).
    result = pearson([(1, 2), (2, 4), (3, 5), (4, 4), (5, 5)], "textbook")
    assert result.coefficient == pytest.approx(0.7746, abs=1e-4)
    z = math.atanh(0.774597)
    assert result.interval.high == pytest.approx(math.tanh(z + 1.959964 / math.sqrt(2)), abs=1e-4)
    assert not result.interval.excludes_zero()
    assert result.reading.startswith("No clear association")


def test_too_few_pairs_or_a_flat_series_give_no_correlation():
    assert pearson([(1, 2), (2, 3), (3, 4)], "three") is None
    assert pearson([(1, 5), (2, 5), (3, 5), (4, 5)], "flat") is None


@pytest.mark.parametrize(
    ("value", "d3_format", "text"),
    [(0.4567, ".0%", "46%"), (1234567.891, "$,.0f", "$1,234,568"), (3.14159, ",.1f", "3.1"),
     (None, ".0%", "—")],
)  # fmt: skip
def test_table_numbers_match_the_chart_format(value, d3_format, text):
    assert d3number(value, d3_format) == text
