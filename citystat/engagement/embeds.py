"""Live data inside an update: a measure card, or a dataset's rows filtered to an area.

A dataset filter is data, never SQL: a short list of `{"field": column, "value": text}`
pairs, each column checked against the dataset's public columns when staff save the
update (`clean_filter`) and again when the page is drawn. The rows are read through the
configured engine's session as an Ibis expression whose values are literals, never SQL
text (`dataset_rows`), so an update reads DuckDB, PostgreSQL or Spark alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from citystat.catalog.models import Dataset
from citystat.lib.errors import CitystatError
from citystat.plan import display
from citystat.plan.models import Measure
from citystat.plan.status import status_for

if TYPE_CHECKING:
    import ibis.expr.types as ir

MOST_CONDITIONS = 5
LONGEST_VALUE = 200
ROWS_SHOWN = 100


class FilterProblem(CitystatError):
    pass


def clean_filter(dataset: Dataset, conditions: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Return `conditions` checked against `dataset`'s public columns, or raise FilterProblem."""
    if not isinstance(conditions, list) or len(conditions) > MOST_CONDITIONS:
        raise FilterProblem(_("Use at most %(n)s conditions.") % {"n": MOST_CONDITIONS})
    public = {spec["name"] for spec in dataset.public_fields}
    cleaned = []
    for condition in conditions:
        if not isinstance(condition, dict):
            raise FilterProblem(_("Each condition is a column and a value."))
        column = str(condition.get("field", "")).strip()
        value = str(condition.get("value", "")).strip()
        if column not in public:
            raise FilterProblem(
                _("%(column)s is not a public column of %(dataset)s; use one of: %(columns)s.")
                % {
                    "column": column or "''",
                    "dataset": dataset.title,
                    "columns": ", ".join(sorted(public)),
                }
            )
        if not value or len(value) > LONGEST_VALUE:
            raise FilterProblem(
                _("Give %(column)s a value of 1 to %(n)s characters.")
                % {"column": column, "n": LONGEST_VALUE}
            )
        cleaned.append({"field": column, "value": value})
    return cleaned


@dataclass
class DatasetEmbed:
    dataset: Dataset
    conditions: list[dict[str, str]]
    columns: list[str] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    total: int = 0
    by_area: dict[str, dict[str, float | None]] = field(default_factory=dict)
    problem: str = ""


def matching(table: ir.Table, conditions: list[dict[str, str]]) -> ir.Table:
    """Return `table`'s rows whose columns, written as text, equal the checked values.

    The values are literals of the Ibis expression, never SQL text; the columns were
    checked against the dataset's public columns (clean_filter).
    """
    predicates = [table[c["field"]].cast("string") == c["value"] for c in conditions]
    return table.filter(*predicates) if predicates else table


def row_order(dataset: Dataset, table: ir.Table) -> list[Any]:
    """Return a order every engine follows alike: the primary key, else every column.

    A warehouse returns rows in no set order, so "the first ROWS_SHOWN" would differ
    between DuckDB, PostgreSQL and Spark without one.
    """
    # Ibis and the warehouse load when an embed is drawn, not with the URLs.
    import ibis  # noqa: PLC0415

    from citystat.catalog.schema import primary_key  # noqa: PLC0415

    public = {spec["name"] for spec in dataset.public_fields}
    keys = [name for name in primary_key(dataset.table_schema) if name in public]
    names = keys or [spec["name"] for spec in dataset.public_fields]
    return [ibis.asc(table[name], nulls_first=False) for name in names]


def dataset_rows(dataset: Dataset, conditions: list[dict[str, str]]) -> DatasetEmbed:
    """Return the dataset's public rows matching `conditions` (the first ROWS_SHOWN)."""
    # The warehouse (Ibis) and the maps (NumPy, Shapely) load when an embed is drawn, not
    # with the URLs.
    from citystat.catalog.engines import open_session  # noqa: PLC0415
    from citystat.city.maps import layer_for_breakdown  # noqa: PLC0415

    embed = DatasetEmbed(dataset, conditions)
    if not dataset.is_public or dataset.latest_version is None:
        embed.problem = _("This dataset has no public data yet.")
        return embed
    try:
        conditions = clean_filter(dataset, conditions)
    except FilterProblem as problem:
        embed.problem = str(problem)
        return embed
    embed.conditions = conditions
    embed.columns = [spec["name"] for spec in dataset.public_fields]
    with open_session() as session:
        found = matching(session.table(dataset.slug), conditions)
        embed.total = int(session.backend.to_pyarrow(found.count()).as_py() or 0)
        shown = found.select(*embed.columns).order_by(row_order(dataset, found)).limit(ROWS_SHOWN)
        embed.rows = [tuple(row.values()) for row in session.backend.to_pyarrow(shown).to_pylist()]
        for column in embed.columns:
            layer = layer_for_breakdown(column)
            if layer is None:
                continue
            counts = found.group_by(area=found[column].cast("string")).aggregate(n=found.count())
            embed.by_area[layer] = {
                str(row["area"]): float(row["n"])
                for row in session.backend.to_pyarrow(counts).to_pylist()
                if row["area"]
            }
    return embed


@dataclass
class MeasureCard:
    title: str
    url: str
    value: float | None
    period: str
    unit: str
    status: str
    status_label: str
    as_of: str = ""  # "as of March 2018" when judged on a past period
    value_text: str = ""  # the value as plan/display.py writes it: "65.0%", "$4,000"


def measure_card(measure: Measure) -> MeasureCard:
    """Return what the update's measure card shows: the latest value and its status."""
    judged = status_for(measure)
    value = judged.value
    url = measure.get_absolute_url() if hasattr(measure, "get_absolute_url") else ""
    return MeasureCard(
        title=measure.title,
        url=url,
        value=value.value if value is not None else None,
        period=value.period if value is not None else "",
        unit=measure.get_unit_display(),
        status=str(judged.status),
        status_label=str(judged.status.label),
        as_of=judged.as_of,
        value_text=display.value_text(value.value if value is not None else None, measure.unit),
    )
