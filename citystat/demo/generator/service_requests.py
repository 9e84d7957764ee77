"""Stream 311 service requests in Kansas City's open-data layout, chunk by chunk."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from citystat.demo.generator.geography import Geography, sample_points
from citystat.demo.generator.request_types import (
    REQUEST_TYPES,
    SEASONS,
    SOURCE_SHARES_FIRST,
    SOURCE_SHARES_LAST,
    SOURCES,
    STAFFING_SENSITIVE_TYPES,
)
from citystat.demo.generator.staffing import crisis_level
from citystat.demo.generator.timeline import (
    DAY_COUNT,
    FIRST_DAY_NUMBER,
    LAST_DAY_NUMBER,
    MONTH_COUNT,
    day_table,
)

HEADER = [
    "CASE ID", "SOURCE", "DEPARTMENT", "WORK GROUP", "REQUEST TYPE", "CATEGORY", "TYPE",
    "DETAIL", "CREATION DATE", "CREATION TIME", "STATUS", "EXCEEDED EST TIMEFRAME",
    "CLOSED DATE", "DAYS TO CLOSE", "STREET ADDRESS", "ZIP CODE", "NEIGHBORHOOD",
    "COUNCIL DISTRICT", "POLICE DISTRICT", "LATITUDE", "LONGITUDE",
]  # fmt: skip
LOCATION_COLUMNS = HEADER[14:]
CHUNK_ROWS = 250_000

# Weekends bring about half a weekday's requests (Monday first).
WEEKDAY_FACTORS = np.array([1.18, 1.1, 1.05, 1.02, 0.95, 0.5, 0.42])
YEARLY_GROWTH = 0.035
# Requests arrive mostly in business hours, when the call center answers the phone.
HOUR_WEIGHTS = np.array(
    [0.4, 0.25, 0.2, 0.2, 0.3, 0.6, 1.5, 4.5, 8.5, 9.5, 9.5, 9.0,
     8.5, 9.0, 9.0, 8.5, 7.0, 4.0, 2.5, 2.0, 1.8, 1.5, 1.0, 0.7]
)  # fmt: skip
# Share of requests that are never closed in the data (lost in the backlog), on top of
# the ones still being worked at the data's end; together "a few percent" are open.
STUCK_OPEN_SHARE = 0.02
# At the worst of the solid-waste vacancies, affected requests arrive this much more often
# and take this much longer to close (see staffing.solid_waste_vacancy_rate).
CRISIS_VOLUME_EXTRA = 0.35
CRISIS_CLOSE_EXTRA = 1.1
# Kansas City's Public Works maintenance districts by council district (north, east, south).
MAINTENANCE_DISTRICT = np.array([0, 1, 1, 2, 2, 3, 3])
SECONDS_PER_DAY = 86_400


def type_probabilities() -> np.ndarray:
    """Return each month's request type mix, shape (MONTH_COUNT, types); rows sum to 1."""
    table = day_table()
    first_of_month = np.searchsorted(table["month_index"], np.arange(MONTH_COUNT))
    calendar_month = table["calendar_month"][first_of_month]
    crisis = crisis_level(np.arange(MONTH_COUNT))
    weights = np.empty((MONTH_COUNT, len(REQUEST_TYPES)))
    for index, request_type in enumerate(REQUEST_TYPES):
        season = np.array(SEASONS[request_type.season])[calendar_month]
        weights[:, index] = request_type.share * season
        if request_type.type in STAFFING_SENSITIVE_TYPES:
            weights[:, index] *= 1 + CRISIS_VOLUME_EXTRA * crisis
    return weights


def rows_per_day(rows: int, rng: np.random.Generator) -> np.ndarray:
    """Split `rows` over the history's days by season, weekday and growth."""
    table = day_table()
    monthly_volume = type_probabilities().sum(axis=1)
    years = (table["day_number"] - FIRST_DAY_NUMBER) / 365.25
    intensity = (
        monthly_volume[table["month_index"]]
        * WEEKDAY_FACTORS[table["weekday"]]
        * (1 + YEARLY_GROWTH) ** years
    )
    return rng.multinomial(rows, intensity / intensity.sum())


def text_tables() -> dict[str, pa.Array]:
    """Return per (type, maintenance district) texts; index = type * 3 + district - 1."""
    columns: dict[str, list[str]] = {
        name: [] for name in ("DEPARTMENT", "WORK GROUP", "REQUEST TYPE", "CATEGORY", "TYPE")
    }
    columns["DETAIL"] = []
    for request_type in REQUEST_TYPES:
        for district in (1, 2, 3):
            detail = request_type.detail
            if detail == "District":
                detail = f"District {district}"
            columns["DEPARTMENT"].append(request_type.department)
            # Kansas City's export writes "City Managers Office" without the apostrophe.
            department = request_type.department.replace("'", "")
            columns["WORK GROUP"].append(f"{department}-{request_type.work_group}-{detail}")
            columns["REQUEST TYPE"].append(f"{request_type.category}-{request_type.type}-{detail}")
            columns["CATEGORY"].append(request_type.category)
            columns["TYPE"].append(request_type.type)
            columns["DETAIL"].append(detail)
    return {name: pa.array(values) for name, values in columns.items()}


def date_texts(first_day: int, last_day: int) -> pa.Array:
    days = np.arange(first_day, last_day + 1).astype("datetime64[D]").astype("datetime64[s]")
    return pc.strftime(pa.array(days), format="%m/%d/%Y")


def minute_texts() -> pa.Array:
    minutes = (np.arange(24 * 60) * 60).astype("datetime64[s]")
    return pc.strftime(pa.array(minutes), format="%I:%M %p")


def case_id_factor(day_counts: np.ndarray, years: np.ndarray) -> int:
    """Return the CASE ID year multiplier: KC's 1,000,000 unless a year needs more room."""
    factor = 1_000_000
    yearly = np.bincount(years - years.min(), weights=day_counts)
    while yearly.max() >= factor:
        factor *= 10
    return factor


def write_service_requests(
    path: Path,
    rows: int,
    seed: int,
    geography: Geography,
    advance: Callable[[int], None] = lambda rows_written: None,
) -> int:
    """Write service_requests.csv with `rows` requests and return the row count."""
    rng = np.random.default_rng([seed, 2])
    table = day_table()
    day_counts = rows_per_day(rows, rng)
    years = table["year"]
    factor = case_id_factor(day_counts, years)
    cumulative = np.concatenate([[0], np.cumsum(day_counts)])
    # The global row index where each calendar year starts numbers the cases within it.
    year_span = years.max() - years.min()
    first_row_of_year = np.array(
        [cumulative[np.argmax(years == year)] for year in years.min() + np.arange(year_span + 1)]
    )

    type_cdf = np.cumsum(type_probabilities(), axis=1)
    type_cdf = (type_cdf / type_cdf[:, -1:] + np.arange(MONTH_COUNT)[:, None]).ravel()
    type_cdf[-1] = MONTH_COUNT  # guard the last bin against rounding
    type_count = len(REQUEST_TYPES)
    medians = np.array([t.median_days for t in REQUEST_TYPES])
    sigmas = np.array([t.sigma for t in REQUEST_TYPES])
    timeframes = np.array([t.timeframe_days for t in REQUEST_TYPES])
    sensitive = np.array([t.type in STAFFING_SENSITIVE_TYPES for t in REQUEST_TYPES])
    close_extra = 1 + CRISIS_CLOSE_EXTRA * crisis_level(np.arange(MONTH_COUNT))
    source_cdf = np.cumsum(
        [
            np.array(SOURCE_SHARES_FIRST) * (1 - step / year_span)
            + np.array(SOURCE_SHARES_LAST) * step / year_span
            for step in range(year_span + 1)
        ],
        axis=1,
    )
    source_cdf = (source_cdf / source_cdf[:, -1:] + np.arange(year_span + 1)[:, None]).ravel()
    hour_cdf = np.cumsum(HOUR_WEIGHTS) / HOUR_WEIGHTS.sum()

    texts = text_tables()
    sources = pa.array(SOURCES)
    statuses = pa.array(["RESOL", "OPEN"])
    flags = pa.array(["N", "Y"])
    max_close_day = LAST_DAY_NUMBER
    dates = date_texts(FIRST_DAY_NUMBER, max_close_day)
    minutes = minute_texts()
    pool_columns = geography.pool.columns
    schema = pa.schema(
        [("CASE ID", pa.int64())]
        + [(name, pa.string()) for name in HEADER[1:13]]
        + [("DAYS TO CLOSE", pa.int32())]
        + [(name, pool_columns[name].type) for name in LOCATION_COLUMNS]
    )

    # Chunks end on day boundaries so each chunk sorts its own rows by creation time.
    boundaries = [0]
    for target in range(CHUNK_ROWS, rows, CHUNK_ROWS):
        boundary = int(np.searchsorted(cumulative, target))
        if boundary > boundaries[-1]:
            boundaries.append(boundary)
    boundaries.append(DAY_COUNT)

    written = 0
    with path.open("wb") as handle:
        # Kansas City's export leaves header names unquoted; pyarrow would quote them.
        handle.write((",".join(HEADER) + "\n").encode())
        options = pa_csv.WriteOptions(include_header=False, quoting_style="needed")
        with pa_csv.CSVWriter(handle, schema, write_options=options) as writer:
            for first, last in zip(boundaries[:-1], boundaries[1:], strict=True):
                count = int(cumulative[last] - cumulative[first])
                if count == 0:
                    continue
                chunk_rng = np.random.default_rng([seed, 3, first])
                day = np.repeat(np.arange(first, last), day_counts[first:last])
                hour = np.searchsorted(hour_cdf, chunk_rng.random(count))
                second_of_day = np.minimum(hour, 23) * 3600 + chunk_rng.integers(0, 3600, count)
                order = np.lexsort((second_of_day, day))
                second_of_day = second_of_day[order]
                month = table["month_index"][day]
                year_offset = years[day] - years.min()

                kind = np.searchsorted(type_cdf, month + chunk_rng.random(count), side="right")
                kind = kind - month * type_count
                kind = np.clip(kind, 0, type_count - 1)
                source = np.searchsorted(source_cdf, year_offset + chunk_rng.random(count))
                source = np.clip(source - year_offset * len(SOURCES), 0, len(SOURCES) - 1)
                points = sample_points(geography.pool, count, chunk_rng)
                maintenance = MAINTENANCE_DISTRICT[geography.pool.district[points]]

                duration_days = medians[kind] * np.exp(sigmas[kind] * chunk_rng.normal(size=count))
                duration_days *= np.where(sensitive[kind], close_extra[month], 1.0)
                created_day = day + FIRST_DAY_NUMBER
                close_second = second_of_day + duration_days * SECONDS_PER_DAY
                closed_day = created_day + (close_second // SECONDS_PER_DAY).astype(np.int64)
                is_open = (closed_day > LAST_DAY_NUMBER) | (
                    chunk_rng.random(count) < STUCK_OPEN_SHARE
                )
                days_to_close = closed_day - created_day
                waited = np.where(is_open, LAST_DAY_NUMBER - created_day, days_to_close)
                exceeded = waited > timeframes[kind]

                global_row = cumulative[first] + np.arange(count)
                case_id = years[day] * factor + global_row - first_row_of_year[year_offset] + 1
                text_index = pa.array(kind * 3 + maintenance - 1)
                closed_index = pa.array(closed_day - FIRST_DAY_NUMBER, mask=is_open)
                columns = [
                    pa.array(case_id),
                    sources.take(pa.array(source)),
                    *(texts[name].take(text_index) for name in HEADER[2:8]),
                    dates.take(pa.array(day)),
                    minutes.take(pa.array(second_of_day // 60)),
                    statuses.take(pa.array(is_open.astype(np.int8))),
                    flags.take(pa.array(exceeded.astype(np.int8))),
                    dates.take(closed_index),
                    pa.array(days_to_close, pa.int32(), mask=is_open),
                ]
                point_index = pa.array(points)
                columns += [pool_columns[name].take(point_index) for name in LOCATION_COLUMNS]
                writer.write_batch(pa.RecordBatch.from_arrays(columns, schema=schema))
                written += count
                advance(count)
    return written
