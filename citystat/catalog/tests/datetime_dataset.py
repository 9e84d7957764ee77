"""A small generated dataset of datetimes, for tests that every feature takes them.

Not the demo's layout: a city whose tickets carry `opened_at` and `resolved_at` as
12-hour US datetimes (`12/27/2017 01:36:22 PM`, naive, in the city's time zone), an
`inspect_by` and an `inspected_on` date, a `ward` number and a `kind`. The rows are drawn
from a seeded generator, and tests check answers against pandas on the same frame.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from citystat.catalog.ingest import ingest
from citystat.catalog.models import Dataset

US_DATETIME = "%m/%d/%Y %I:%M:%S %p"
TICKETS_SCHEMA: dict[str, Any] = {
    "fields": [
        {"name": "ticket_no", "type": "integer"},
        {"name": "kind", "type": "string"},
        {"name": "opened_at", "type": "datetime", "format": US_DATETIME},
        {"name": "resolved_at", "type": "datetime", "format": US_DATETIME},
        {"name": "inspect_by", "type": "date"},
        {"name": "inspected_on", "type": "date"},
        {"name": "ward", "type": "integer"},
    ],
    "primaryKey": ["ticket_no"],
}


def tickets_frame(rows: int = 400, seed: int = 17) -> pd.DataFrame:
    """Return the tickets as pandas reads them: datetimes and dates typed, blanks NaT/NaN.

    Tickets open from Wednesday 2017-12-20 to Saturday 2018-03-10, so the first and last
    weeks (and months) are covered only in part.
    """
    generator = np.random.default_rng(seed)
    first = pd.Timestamp("2017-12-20 00:00:00")
    span_seconds = int((pd.Timestamp("2018-03-10 23:59:59") - first).total_seconds())
    opened = first + pd.to_timedelta(generator.integers(0, span_seconds, rows), unit="s")
    opened = opened.sort_values()
    resolved = opened + pd.to_timedelta(generator.integers(60, 400 * 3600, rows), unit="s")
    resolved = resolved.where(generator.random(rows) > 0.1)  # a tenth still open
    inspect_by = (opened + pd.to_timedelta(generator.integers(1, 10, rows), unit="D")).normalize()
    inspected = (opened + pd.to_timedelta(generator.integers(0, 15, rows), unit="D")).normalize()
    inspected = inspected.where(generator.random(rows) > 0.15)
    ward = pd.Series(generator.integers(1, 5, rows), dtype="Int64")
    ward[generator.random(rows) < 0.05] = pd.NA
    return pd.DataFrame(
        {
            "ticket_no": np.arange(1, rows + 1),
            "kind": generator.choice(["Noise", "Graffiti", "Sidewalk"], rows),
            "opened_at": opened,
            "resolved_at": resolved,
            "inspect_by": inspect_by,
            "inspected_on": inspected,
            "ward": ward,
        }
    )


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write the frame as the city exports it: 12-hour datetimes, ISO dates, blanks empty."""
    text = frame.copy()
    for name in ("opened_at", "resolved_at"):
        text[name] = frame[name].dt.strftime(US_DATETIME)
    for name in ("inspect_by", "inspected_on"):
        text[name] = frame[name].dt.strftime("%Y-%m-%d")
    text.to_csv(path, index=False)
    return path


def load_tickets(
    tmp_path: Path, frame: pd.DataFrame, slug: str = "tickets", **fields: Any
) -> Dataset:
    """Create the tickets dataset and load `frame` into the warehouse."""
    dataset = Dataset.objects.create(
        slug=slug,
        title="Tickets",
        table_schema=fields.pop("table_schema", TICKETS_SCHEMA),
        update_frequency="daily",
        **fields,
    )
    ingest(dataset, write_csv(frame, tmp_path / f"{slug}.csv"))
    return dataset
