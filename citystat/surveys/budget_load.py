"""Loading a budget file, keeping only the rows a filter selects (`citystat budget load`).

A city's budget export often mixes revenue and expense lines; the explorer shows
spending, so a load may keep, say, `account_type in ('Personnel','Non-Personnel')`. The
filter is the spec filter language (citystat/plan/compute/filters.py): parsed, checked
against the file's columns and run through Ibis, never pasted into SQL. The kept rows go
through the ordinary load (citystat/catalog/ingest.py), so the schema's checks, the
version record and the all-or-nothing publish are the same as for any other load.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis

from citystat.catalog.ingest import ingest
from citystat.catalog.models import Dataset, DatasetVersion
from citystat.lib.errors import CitystatError
from citystat.plan.compute.filters import (
    NUMERIC,
    TEMPORAL,
    FilterError,
    compile_filter,
    filter_fields,
)


class BudgetLoadError(CitystatError):
    pass


@dataclass(frozen=True)
class BudgetLoad:
    version: DatasetVersion
    rows_in_file: int
    rows_kept: int


def plain_name(header: str) -> str:
    """Return a header as a filter names it: `Account Type` → `account_type`."""
    return re.sub(r"[^a-z0-9]+", "_", header.strip().lower()).strip("_")


def filter_columns(headers: list[str], dataset: Dataset) -> dict[str, tuple[str, str]]:
    """Return {name in the filter: (header in the file, Table Schema type)}.

    A header the dataset's schema describes (directly, through its column map, or spelled
    with other case and punctuation, such as `Fiscal Year` for fiscal_year) is named and
    typed as its field; any other header is text under its plain name.
    """
    types = {str(spec["name"]): str(spec.get("type", "string")) for spec in dataset.fields}
    mapped = {str(column): str(field) for field, column in dataset.column_map.items()}
    by_plain = {plain_name(field): field for field in types}
    columns: dict[str, tuple[str, str]] = {}
    for header in headers:
        field = mapped.get(header) or (header if header in types else None)
        field = field or by_plain.get(plain_name(header))
        name = field or plain_name(header)
        if name in columns:
            raise BudgetLoadError(
                f"the file's columns {columns[name][0]!r} and {header!r} both read as {name!r}; "
                "rename one."
            )
        columns[name] = (header, types.get(field, "string") if field else "string")
    return columns


def typed(column: Any, kind: str) -> Any:
    """Return the file's text column as the filter compares it."""
    if kind in NUMERIC:
        return column.replace(",", "").try_cast("float64")
    if kind == "boolean":
        return column.lower().isin(["true", "yes", "1"])
    return column


def keep_rows(source: Path, where: str, dataset: Dataset, kept: Path) -> tuple[int, int]:
    """Write the rows of CSV `source` that `where` keeps to `kept`, exactly as written;
    return (rows in the file, rows kept). Raise BudgetLoadError for a filter that does not
    fit the file."""
    connection = ibis.duckdb.connect()
    try:
        # Read as text, so the kept rows reach the load exactly as the city wrote them.
        table = connection.read_csv(str(source), all_varchar=True)
    except Exception as error:  # noqa: BLE001 — DuckDB's many reader errors, one message
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise BudgetLoadError(f"{source}: cannot read it as CSV ({first}).") from None
    headers = list(table.columns)
    columns = filter_columns(headers, dataset)
    dated = sorted(
        name for name in filter_fields(where) if columns.get(name, ("", ""))[1] in TEMPORAL
    )
    if dated:
        raise BudgetLoadError(
            f"--where: {', '.join(dated)} is a date; a budget filter compares text and "
            "numbers, such as account_type = 'Personnel' or fiscal_year >= 2020."
        )
    try:
        condition = compile_filter(where, {name: kind for name, (_h, kind) in columns.items()})
    except FilterError as error:
        names = ", ".join(sorted(columns))
        raise BudgetLoadError(
            f"--where: {str(error).rstrip('.')}. The file's columns: {names}."
        ) from None
    view = table.select(
        **{f"source_{index}": table[header] for index, header in enumerate(headers)},
        **{name: typed(table[header], kind) for name, (header, kind) in columns.items()},
    )
    # A header that names a field only with other case or punctuation is written under
    # the field's name, so the load finds it; the rest keep the city's spelling (a column
    # map or an ignored column names them so).
    written = {header: name for name, (header, _kind) in columns.items()}
    fields = {str(spec["name"]) for spec in dataset.fields}
    mapped = set(map(str, dataset.column_map.values()))
    chosen = view.filter(condition).select(
        **{
            (written[header] if written[header] in fields and header not in mapped else header): (
                view[f"source_{index}"]
            )
            for index, header in enumerate(headers)
        }
    )
    total = int(table.count().execute())
    count = int(chosen.count().execute())
    if count:
        connection.to_csv(chosen, kept)
    return total, count


def load_budget(source: Path, where: str = "", dataset_slug: str = "budget") -> BudgetLoad:
    """Load budget file `source` into `dataset_slug`, keeping the rows `where` selects.

    Nothing is loaded when the filter is refused or keeps no row.
    """
    dataset = Dataset.objects.filter(slug=dataset_slug).first()
    if dataset is None:
        raise BudgetLoadError(
            f"no dataset {dataset_slug!r}; create the budget dataset first (docs/surveys.md)."
        )
    if not source.is_file():
        raise BudgetLoadError(f"{source}: no such file.")
    if not where.strip():
        version = ingest(dataset, source, started_by="citystat budget load")
        return BudgetLoad(version, version.rows_read, version.rows_read)
    with tempfile.TemporaryDirectory(prefix="citystat-budget-") as folder:
        kept = Path(folder) / source.name
        total, count = keep_rows(source, where, dataset, kept)
        if not count:
            raise BudgetLoadError(
                f"--where {where!r} keeps none of the {total:,} rows of {source}; "
                "nothing was loaded."
            )
        version = ingest(dataset, kept, started_by="citystat budget load")
    # The version names the file the city gave and the rows it kept, not the temporary copy.
    version.source = f"{source} where {where}"[:500]
    version.save(update_fields=["source"])
    return BudgetLoad(version, total, count)
