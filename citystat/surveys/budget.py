"""The budget explorer: adopted, amended and actual spending by department and program."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ibis.expr.types as ir

from citystat.catalog.engines import open_session
from citystat.catalog.models import Dataset, DatasetVersion
from citystat.surveys.answers import as_number, rows

DEPTH_1 = {"type": "filter", "expr": "datum.depth === 1"}
DEPTH_2 = {"type": "filter", "expr": "datum.depth === 2"}
# Label a program only where its box has room for the words.
PROGRAM_LABEL = "datum.x1 - datum.x0 > 80 && datum.y1 - datum.y0 > 24 ? datum.name : ''"
TOOLTIP = (
    "{'Department': datum.department, 'Program': datum.name, "
    "'Amended budget': format(datum.size, '$,.0f')}"
)


@dataclass(frozen=True)
class BudgetLine:
    department: str
    program: str
    adopted: float
    amended: float
    actual: float | None

    @property
    def spent_share(self) -> float | None:
        """Return actual spending as a share of the amended budget."""
        if self.actual is None or not self.amended:
            return None
        return self.actual / self.amended


def budget_years(dataset: str = "budget") -> list[int]:
    """Return the fiscal years the published budget covers; none before it is published."""
    published = Dataset.objects.filter(
        slug=dataset, versions__status=DatasetVersion.Status.PUBLISHED
    ).exists()
    if not published:
        # The explorer answers 404 then, rather than querying a table that is not there.
        return []
    with open_session() as session:

        def build() -> ir.Table:
            table = session.table(dataset)
            year = as_number(table.fiscal_year, "int64")
            return table.select(year=year).filter(year.notnull()).distinct()

        found = rows(session, dataset, {"statistic": "budget years"}, build)
    return sorted(int(row["year"]) for row in found)


def budget_lines(fiscal_year: int, dataset: str = "budget") -> list[BudgetLine]:
    """Return the year's lines per department and program, largest departments first.

    A fiscal year not closed yet has no actuals: every line's is empty, or (as many
    finance systems export it) zero. Either way each line's actual is None, never a 0
    that would read as "0% spent".
    """
    with open_session() as session:

        def build() -> ir.Table:
            table = session.table(dataset)
            table = table.filter(as_number(table.fiscal_year, "int64") == fiscal_year)
            return table.group_by(["department", "program"]).aggregate(
                adopted=table.adopted.sum(),
                amended=table.amended.sum(),
                # The sum of no actuals at all is empty, not 0.
                actual=table.actual.sum(),
                # Lines with a nonzero actual: none in the whole year means it is not closed.
                spent_lines=table.actual.nullif(0).count(),
            )

        inputs = {"statistic": "budget lines", "year": fiscal_year}
        found = rows(session, dataset, inputs, build)
    closed = any(row["spent_lines"] for row in found)
    departments: dict[str, float] = {}
    for row in found:
        departments[row["department"]] = departments.get(row["department"], 0.0) + (
            row["amended"] or 0.0
        )
    # Largest departments first, then their largest programs; names break ties, so
    # every engine lists the lines in one order.
    found.sort(
        key=lambda row: (
            -departments[row["department"]],
            row["department"] or "",
            -(row["amended"] or 0.0),
            row["program"] or "",
        )
    )
    return [
        BudgetLine(
            department=row["department"],
            program=row["program"],
            adopted=row["adopted"],
            amended=row["amended"],
            actual=row["actual"] if closed else None,
        )
        for row in found
    ]


def year_is_closed(lines: list[BudgetLine]) -> bool:
    """Say whether a fiscal year's lines carry actual spending (budget_lines clears them
    all for a year not closed)."""
    return any(line.actual is not None for line in lines)


def treemap_spec(lines: list[BudgetLine], title: str) -> dict[str, Any]:
    """Return a Vega treemap (departments → programs, sized by amended budget)."""
    departments = sorted({line.department for line in lines})
    values: list[dict[str, Any]] = [{"id": "city", "parent": None, "name": title}]
    values += [{"id": d, "parent": "city", "name": d} for d in departments]
    values += [
        {
            "id": f"{line.department}/{line.program}",
            "parent": line.department,
            "name": line.program,
            "department": line.department,
            "size": round(line.amended),
        }
        for line in lines
        if line.amended > 0
    ]
    return {
        "$schema": "https://vega.github.io/schema/vega/v6.json",
        "description": title,
        "width": 900,
        "height": 520,
        "autosize": "none",
        "data": [
            {
                "name": "tree",
                "values": values,
                "transform": [
                    {"type": "stratify", "key": "id", "parentKey": "parent"},
                    {
                        "type": "treemap",
                        "field": "size",
                        "sort": {"field": "value", "order": "descending"},
                        "round": True,
                        "method": "squarify",
                        "size": [{"signal": "width"}, {"signal": "height"}],
                        "paddingInner": 1,
                        "paddingTop": 16,
                    },
                ],
            },
            {"name": "departments", "source": "tree", "transform": [DEPTH_1]},
            {"name": "programs", "source": "tree", "transform": [DEPTH_2]},
        ],
        "scales": [
            {
                "name": "colour",
                "type": "ordinal",
                "domain": departments,
                "range": {"scheme": "tableau20"},
            }
        ],
        "marks": [
            {
                "type": "rect",
                "aria": False,
                "from": {"data": "departments"},
                "encode": {
                    "update": {
                        "x": {"field": "x0"}, "y": {"field": "y0"},
                        "x2": {"field": "x1"}, "y2": {"field": "y1"},
                        "fill": {"value": "#f4f6f8"}, "stroke": {"value": "#1a1a1a"},
                    }
                },
            },
            {
                "type": "rect",
                "from": {"data": "programs"},
                "description": "Programs",
                "encode": {
                    "update": {
                        "x": {"field": "x0"}, "y": {"field": "y0"},
                        "x2": {"field": "x1"}, "y2": {"field": "y1"},
                        "fill": {"scale": "colour", "field": "department"},
                        "fillOpacity": {"value": 0.85},
                        "tooltip": {"signal": TOOLTIP},
                    }
                },
            },
            {
                "type": "text",
                "aria": False,
                "from": {"data": "programs"},
                "encode": {
                    "update": {
                        "x": {"signal": "datum.x0 + 4"}, "y": {"signal": "datum.y0 + 14"},
                        "text": {"signal": PROGRAM_LABEL},
                        "fontSize": {"value": 11}, "fill": {"value": "#1a1a1a"},
                        "limit": {"signal": "datum.x1 - datum.x0 - 8"},
                    }
                },
            },
            {
                "type": "text",
                "aria": False,
                "from": {"data": "departments"},
                "encode": {
                    "update": {
                        "x": {"signal": "datum.x0 + 3"}, "y": {"signal": "datum.y0 + 12"},
                        "text": {"signal": "datum.x1 - datum.x0 > 60 ? datum.name : ''"},
                        "fontSize": {"value": 11}, "fontWeight": {"value": "bold"},
                        "fill": {"value": "#1a1a1a"},
                    }
                },
            },
        ],
    }  # fmt: skip
