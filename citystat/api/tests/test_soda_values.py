"""Each column of a SODA answer is written as Socrata writes it, whatever its first value."""

import datetime as dt
import decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from citystat.api.soda import SodaResult, json_rows, soda_value

ANY_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.text(max_size=5),
    st.datetimes(),
    st.datetimes(timezones=st.just(dt.UTC)),
    st.dates(),
)


@given(st.lists(st.tuples(ANY_VALUE, ANY_VALUE), max_size=8))
def test_writing_by_column_gives_what_writing_each_cell_gives(rows):
    result = SodaResult(["a", "b"], ["text", "text"], rows)
    expected = [
        {
            name: soda_value(value)
            for name, value in zip("ab", row, strict=True)
            if value is not None
        }
        for row in rows
    ]
    assert json_rows(result) == expected


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (dt.datetime(2025, 3, 1, 14, 5, 9, 123456), "2025-03-01T14:05:09.123"),
        (dt.datetime(2025, 3, 1), "2025-03-01T00:00:00.000"),
        (dt.date(2025, 3, 1), "2025-03-01T00:00:00.000"),
        (42, "42"),
        (decimal.Decimal("1.50"), "1.50"),
        (2.0, "2"),
        (True, True),
    ],
)
def test_values_are_written_as_socrata_writes_them(value, written):
    result = SodaResult(["x"], ["text"], [(value,), (None,)])
    assert json_rows(result) == [{"x": written}, {}]


def test_repeated_moments_are_written_like_each_cell_even_when_equal_across_offsets():
    noon_utc = dt.datetime(2025, 3, 1, 12, tzinfo=dt.UTC)
    same_instant = noon_utc.astimezone(dt.timezone(dt.timedelta(hours=-5)))
    month = dt.datetime(2025, 3, 1)
    rows = [(month,), (month,), (noon_utc,), (same_instant,), (None,), (1,), (True,)]
    result = SodaResult(["x"], ["floating_timestamp"], rows)
    expected = [{} if value is None else {"x": soda_value(value)} for (value,) in rows]
    assert json_rows(result) == expected
    assert expected[2] != expected[3]
