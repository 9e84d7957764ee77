"""The dataset explorer: a public dataset's rows searched, filtered, sorted, paged and charted.

Every question the page asks goes through the SODA query runner (`soda.run_query`), the
same compiler and allow-list that answer `/resource/<id>.json`: the page never writes SQL
of its own, a withheld column is as unknown here as it is to the API, and the example
URL the page prints returns exactly the rows the page shows. A filter SODA refuses is
answered with SODA's own message, shown beside the box it was typed in.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from shlex import quote as shell_quote
from typing import Any
from urllib.parse import urlencode

from django.http import QueryDict
from django.utils.translation import gettext as _

from citystat.api.soda import QueryBudget, four_by_four, run_query
from citystat.api.soql import SoqlError
from citystat.catalog.models import Dataset
from citystat.catalog.schema import primary_key

PAGE_SIZE = 25
# The page number is bounded so that a hand-typed URL cannot ask for an offset past any
# dataset a city publishes (SODA itself accepts any offset).
MAX_PAGE = 100_000
CHART_BARS = 12
HISTOGRAM_BINS = 10
# A date chart counts by month while that makes few enough bars to read, else by year.
MAX_MONTHS = 60
FILTER_LENGTH = 2_000
# Parameters sodapy takes as numbers.
NUMERIC = {"$limit", "$offset"}
# SoQL names a column bare only when it is a plain identifier; the explorer offers sorting
# and charts on those columns alone rather than quoting names into a query.
PLAIN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
DATE_TYPES = {"date", "datetime"}
NUMBER_TYPES = {"integer", "number", "year"}
WHOLE_TYPES = {"integer", "year"}


@dataclass(frozen=True)
class Column:
    name: str
    title: str
    type: str

    @property
    def chart_kind(self) -> str:
        if self.type in DATE_TYPES:
            return "time"
        if self.type in NUMBER_TYPES:
            return "histogram"
        return "counts"


@dataclass
class ExplorerRequest:
    """What the resident asked for, as typed (kept to be shown back beside any error)."""

    search: str = ""
    where: str = ""
    order: str = ""
    direction: str = "desc"
    page: int = 1
    chart: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    # The fields whose error is the query engine's own message (SoQL's, in English):
    # the page frames it in the reader's language and marks it as English.
    api_refusals: set[str] = field(default_factory=set)

    def query_string(self, **changes: Any) -> str:
        """Return this request's URL query with `changes`, leaving out empty values."""
        values = {
            "q": self.search,
            "where": self.where,
            "order": self.order,
            "direction": self.direction if self.order else "",
            "page": self.page if self.page > 1 else "",
            "chart": self.chart,
        }
        values.update(changes)
        return urlencode({key: value for key, value in values.items() if value not in ("", None)})


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    # The bar's length as a share of the longest, 0–100, for the SVG's width.
    percent: float


@dataclass(frozen=True)
class Chart:
    column: Column
    kind: str
    bars: list[Bar]
    total: int


@dataclass(frozen=True)
class Header:
    column: Column
    query: str
    sorted: str


@dataclass
class ExplorerPage:
    columns: list[Column]
    rows: list[tuple[Any, ...]]
    total: int
    request: ExplorerRequest
    parameters: dict[str, str]
    chart: Chart | None = None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    @property
    def first_row(self) -> int:
        return (self.request.page - 1) * PAGE_SIZE + 1 if self.rows else 0

    @property
    def last_row(self) -> int:
        return (self.request.page - 1) * PAGE_SIZE + len(self.rows)

    @property
    def headers(self) -> list[Header]:
        """Return each column's heading with the link that sorts by it (latest first, then
        earliest first on a second click)."""
        found = []
        for column in self.columns:
            sorted_now = ""
            if column.name == self.request.order:
                sorted_now = "ascending" if self.request.direction == "asc" else "descending"
            direction = "asc" if sorted_now == "descending" else "desc"
            query = (
                self.request.query_string(order=column.name, direction=direction, page="")
                if PLAIN_NAME.match(column.name)
                else ""
            )
            found.append(Header(column, query, sorted_now))
        return found

    @property
    def previous_query(self) -> str | None:
        if self.request.page <= 1:
            return None
        return self.request.query_string(page=self.request.page - 1)

    @property
    def next_query(self) -> str | None:
        if self.request.page >= self.pages:
            return None
        return self.request.query_string(page=self.request.page + 1)


def public_columns(dataset: Dataset) -> list[Column]:
    return [
        Column(spec["name"], spec.get("title") or spec["name"], spec.get("type", "string"))
        for spec in dataset.public_fields
    ]


def date_column(dataset: Dataset) -> Column | None:
    """Return the column that says when a row happened: the first public date or datetime."""
    return next((c for c in public_columns(dataset) if c.type in DATE_TYPES), None)


def read_request(dataset: Dataset, query: QueryDict) -> ExplorerRequest:
    """Read the explorer's form; a value that cannot be used is kept with its error."""
    request = ExplorerRequest(
        search=query.get("q", "").strip(),
        where=query.get("where", "").strip(),
        order=query.get("order", "").strip(),
        direction=query.get("direction", "desc").strip() or "desc",
        chart=query.get("chart", "").strip(),
    )
    sortable = {c.name: c for c in public_columns(dataset) if PLAIN_NAME.match(c.name)}
    if request.order and request.order not in sortable:
        request.errors["order"] = _("%(name)s is not a column of this dataset.") % {
            "name": request.order
        }
    if request.direction not in ("asc", "desc"):
        request.errors["order"] = _("Sort either ascending (asc) or descending (desc).")
    if request.chart and request.chart not in sortable:
        request.errors["chart"] = _("%(name)s is not a column of this dataset.") % {
            "name": request.chart
        }
    if len(request.where) > FILTER_LENGTH:
        request.errors["where"] = _("The filter is longer than %(count)s characters.") % {
            "count": FILTER_LENGTH
        }
    page = query.get("page", "1").strip() or "1"
    if not page.isdigit() or not 1 <= int(page) <= MAX_PAGE:
        request.errors["page"] = _("The page is a whole number from 1 to %(highest)s.") % {
            "highest": MAX_PAGE
        }
    else:
        request.page = int(page)
    return request


def filters(request: ExplorerRequest) -> dict[str, str]:
    """Return the SODA parameters that choose rows: the search and the $where filter."""
    parameters = {}
    if request.search:
        parameters["$q"] = request.search
    if request.where:
        parameters["$where"] = request.where
    return parameters


def row_order(dataset: Dataset, request: ExplorerRequest) -> str:
    """Return the $order: the resident's column, else the newest rows first.

    The primary key (SODA's `:id`) breaks ties, so paging through rows of one day never
    shows a row twice or skips one. Without a date column the version's `:created_at` is
    the only time SODA knows of.
    """
    tie = ", :id {direction}" if primary_key(dataset.table_schema) else ""
    if request.order:
        return f"{request.order} {request.direction}" + tie.format(direction=request.direction)
    newest = date_column(dataset)
    if newest is not None and PLAIN_NAME.match(newest.name):
        return f"{newest.name} desc" + tie.format(direction="desc")
    return ":created_at desc" + tie.format(direction="desc")


def rows_parameters(dataset: Dataset, request: ExplorerRequest) -> dict[str, str]:
    """Return the SODA parameters for the page of rows the resident is looking at.

    Without a $select, SODA answers every public column, whatever their names.
    """
    return {
        **filters(request),
        "$order": row_order(dataset, request),
        "$limit": str(PAGE_SIZE),
        "$offset": str((request.page - 1) * PAGE_SIZE),
    }


def explore(dataset: Dataset, request: ExplorerRequest) -> ExplorerPage:
    """Run the resident's query through SODA; a refusal lands in `request.errors`."""
    columns = public_columns(dataset)
    page = ExplorerPage(columns, [], 0, request, {})
    if request.errors or dataset.latest_version is None or not columns:
        return page
    # The three queries share one budget, as one SODA answer's query and writing do.
    budget = QueryBudget()
    parameters = rows_parameters(dataset, request)
    try:
        counted = run_query(dataset, {"$select": "count(*)", **filters(request)}, budget)
        page.total = int(counted.rows[0][0])
        if page.total and request.page > page.pages:
            request.errors["page"] = _("There are only %(count)s pages of rows.") % {
                "count": page.pages
            }
            return page
        result = run_query(dataset, parameters, budget)
    except SoqlError as error:
        # The search and the filter are the only free text; a timeout is told beside the
        # filter that chose the rows.
        refused = "q" if str(error).startswith("$q") else "where"
        request.errors[refused] = str(error)
        request.api_refusals.add(refused)
        page.total = 0
        return page
    by_name = {column.name: column for column in columns}
    page.columns = [by_name.get(name, Column(name, name, "string")) for name in result.names]
    page.rows = result.rows
    page.parameters = parameters
    if request.chart:
        column = by_name[request.chart]
        try:
            page.chart = quick_chart(dataset, column, filters(request), budget)
        except SoqlError as error:
            request.errors["chart"] = str(error)
            request.api_refusals.add("chart")
    return page


def quick_chart(
    dataset: Dataset, column: Column, chosen: dict[str, str], budget: QueryBudget | None = None
) -> Chart:
    """Count the chosen rows by one column: its commonest values, its months or its ranges.

    Only the counts leave the warehouse (a dozen rows), whatever the dataset's size.
    """
    budget = budget or QueryBudget()
    if column.chart_kind == "counts":
        result = run_query(
            dataset,
            {
                "$select": f"{column.name}, count(*) as rows_counted",
                **chosen,
                "$group": column.name,
                "$order": f"rows_counted desc, {column.name}",
                "$limit": str(CHART_BARS),
            },
            budget,
        )
        pairs = [(_("(blank)") if v is None else str(v), int(n)) for v, n in result.rows]
    elif column.chart_kind == "time":
        pairs = counts_over_time(dataset, column, chosen, budget)
    else:
        pairs = histogram(dataset, column, chosen, budget)
    total = int(run_query(dataset, {"$select": "count(*)", **chosen}, budget).rows[0][0])
    return Chart(column, column.chart_kind, bars(pairs), total)


def bounds(
    dataset: Dataset, column: Column, chosen: dict[str, str], budget: QueryBudget
) -> tuple[Any, Any]:
    result = run_query(
        dataset, {"$select": f"min({column.name}), max({column.name})", **chosen}, budget
    )
    low, high = result.rows[0]
    return low, high


def counts_over_time(
    dataset: Dataset, column: Column, chosen: dict[str, str], budget: QueryBudget
) -> list[tuple[str, int]]:
    low, high = bounds(dataset, column, chosen, budget)
    if low is None:
        return []
    months = (high.year - low.year) * 12 + high.month - low.month + 1
    by_month = months <= MAX_MONTHS
    truncate = "date_trunc_ym" if by_month else "date_trunc_y"
    result = run_query(
        dataset,
        {
            "$select": f"{truncate}({column.name}) as period, count(*) as rows_counted",
            **chosen,
            "$where": " and ".join(
                part for part in (chosen.get("$where"), f"{column.name} is not null") if part
            ),
            "$group": f"{truncate}({column.name})",
            "$order": "period",
        },
        budget,
    )
    label = "%Y-%m" if by_month else "%Y"
    return [(period_label(period, label), int(count)) for period, count in result.rows]


def period_label(value: Any, pattern: str) -> str:
    if isinstance(value, dt.date):
        return value.strftime(pattern)
    return str(value)


def histogram(
    dataset: Dataset, column: Column, chosen: dict[str, str], budget: QueryBudget
) -> list[tuple[str, int]]:
    """Count the rows in HISTOGRAM_BINS equal ranges between the column's least and most.

    One query sums a `case` per range, so the rows are read once; whole-number columns
    with no more distinct values than bins get one bar per value.
    """
    low, high = bounds(dataset, column, chosen, budget)
    if low is None:
        return []
    edges, per_value = bin_edges(float(low), float(high), whole=column.type in WHOLE_TYPES)
    sums = []
    for index, (start, end) in enumerate(zip(edges, edges[1:], strict=False)):
        # The last range includes its upper edge, so the greatest value is counted.
        below = "<=" if index == len(edges) - 2 else "<"
        sums.append(
            f"sum(case({column.name} >= {start!r} and {column.name} {below} {end!r}, 1, "
            f"true, 0)) as bin_{index}"
        )
    result = run_query(dataset, {"$select": ", ".join(sums), **chosen}, budget)
    counts = [int(value or 0) for value in result.rows[0]]
    if per_value:
        labels = [f"{start:,.0f}" for start in edges[:-1]]
    else:
        labels = [f"{start:,.4g}–{end:,.4g}" for start, end in zip(edges, edges[1:], strict=False)]
    return list(zip(labels, counts, strict=True))


def bin_edges(low: float, high: float, whole: bool) -> tuple[list[float], bool]:
    """Return the ranges' edges, low first and high last, and whether each range is one value."""
    if whole and high - low + 1 <= HISTOGRAM_BINS:
        values = [low + step for step in range(int(high - low) + 1)]
        return [*values, high], True
    if high <= low:
        return [low, high], False
    width = (high - low) / HISTOGRAM_BINS
    return [low + width * step for step in range(HISTOGRAM_BINS)] + [high], False


def bars(pairs: list[tuple[str, int]]) -> list[Bar]:
    longest = max((count for _label, count in pairs), default=0)
    return [
        Bar(label, count, round(100 * count / longest, 2) if longest else 0.0)
        for label, count in pairs
    ]


@dataclass(frozen=True)
class ApiExamples:
    identifier: str
    endpoint: str
    soql_url: str
    sodapy: str
    curl: str


def api_examples(dataset: Dataset, site: str, parameters: dict[str, str]) -> ApiExamples:
    """Return the SODA endpoint and three ways to ask it for the rows on the page."""
    identifier = four_by_four(dataset.slug)
    endpoint = f"{site.rstrip('/')}/resource/{identifier}.json"
    wanted = {
        name: value for name, value in parameters.items() if (name, value) != ("$offset", "0")
    }
    # `$`, `:` and `,` are legal in a query string and keep the URL readable.
    soql_url = f"{endpoint}?{urlencode(wanted, safe='$:,')}" if wanted else endpoint
    host = site.split("://", 1)[-1].rstrip("/")
    arguments = "".join(
        f", {name.lstrip('$')}={int(value) if name in NUMERIC else repr(value)}"
        for name, value in wanted.items()
    )
    sodapy = (
        "from sodapy import Socrata\n\n"
        f'client = Socrata("{host}", None)\n'
        f'rows = client.get("{identifier}"{arguments})'
    )
    curl = f"curl --get {shell_quote(endpoint)}" + "".join(
        f" \\\n  --data-urlencode {shell_quote(f'{name}={value}')}"
        for name, value in wanted.items()
    )
    return ApiExamples(identifier, endpoint, soql_url, sodapy, curl)
