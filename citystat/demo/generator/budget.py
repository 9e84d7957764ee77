"""Adopted, amended and actual budgets by fiscal year, department, fund and program."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from citystat.demo.generator.timeline import LAST_DAY, fiscal_year_bounds

BUDGET_HEADER = ["fiscal_year", "department", "fund", "program", "adopted", "amended", "actual"]
FISCAL_YEARS = range(2021, 2028)
GENERAL, SALES_TAX = "General Fund", "Public Safety Sales Tax Fund"

# FY2021 adopted budget in millions of dollars by (department, fund, program); Kansas City's
# total budget is about $2 billion, of which the General Fund is about a third.
PROGRAMS: list[tuple[str, str, str, float]] = [
    ("Police", GENERAL, "Patrol", 180),
    ("Police", GENERAL, "Investigations", 70),
    ("Police", GENERAL, "Support Services", 60),
    ("Police", SALES_TAX, "Patrol", 25),
    ("Fire", GENERAL, "Suppression", 110),
    ("Fire", GENERAL, "Emergency Medical Services", 30),
    ("Fire", SALES_TAX, "Emergency Medical Services", 40),
    ("Fire", GENERAL, "Fire Prevention", 8),
    ("Public Works", GENERAL, "Solid Waste", 30),
    ("Public Works", "Street Maintenance Fund", "Street and Traffic", 45),
    ("Public Works", "Street Maintenance Fund", "Street Lighting", 12),
    ("Public Works", GENERAL, "Traffic Engineering", 10),
    ("Public Works", "Capital Improvements Fund", "Capital Projects", 90),
    ("Water Services", "Water Fund", "Distribution", 120),
    ("Water Services", "Water Fund", "Treatment", 70),
    ("Water Services", "Water Fund", "Customer Service", 25),
    ("Water Services", "Sewer Fund", "Wastewater", 210),
    ("Water Services", "Stormwater Fund", "Stormwater", 35),
    ("Neighborhoods and Housing Services", GENERAL, "Neighborhood Preservation", 12),
    ("Neighborhoods and Housing Services", GENERAL, "Dangerous Buildings", 8),
    ("Neighborhoods and Housing Services", GENERAL, "Rental Housing", 2),
    ("Neighborhoods and Housing Services", "Housing Trust Fund", "Housing", 15),
    ("Animal Health and Public Safety", GENERAL, "Field Services", 4),
    ("Animal Health and Public Safety", GENERAL, "Animal Health", 6),
    ("Parks and Recreation", "Parks and Recreation Fund", "Park Maintenance", 30),
    ("Parks and Recreation", "Parks and Recreation Fund", "Community Centers", 15),
    ("Parks and Recreation", GENERAL, "Forestry", 6),
    ("Health", "Health Levy Fund", "Community Health", 45),
    ("Health", GENERAL, "Environmental Health", 8),
    ("City Planning and Development", "Development Services Fund", "Development Services", 18),
    ("City Planning and Development", GENERAL, "Long Range Planning", 4),
    ("General Services", GENERAL, "Facilities", 25),
    ("General Services", "Fleet Fund", "Fleet", 30),
    ("General Services", GENERAL, "Procurement", 3),
    ("City Manager's Office", GENERAL, "311 Call Center", 4),
    ("City Manager's Office", GENERAL, "Performance Management", 1.5),
    ("City Manager's Office", GENERAL, "Executive", 4),
    ("Finance", GENERAL, "Accounting", 6),
    ("Finance", GENERAL, "Revenue", 10),
    ("Finance", GENERAL, "Budget", 2),
    ("Human Resources", GENERAL, "Talent", 4),
    ("Human Resources", "Health Insurance Fund", "Benefits", 120),
    ("Aviation", "Airport Fund", "Airport Operations", 180),
    ("Aviation", "Airport Fund", "Airport Facilities", 120),
    ("Municipal Court", GENERAL, "Court Operations", 15),
    ("Law", GENERAL, "Legal Services", 12),
]


def is_closed(fiscal_year: int) -> bool:
    """Return whether `fiscal_year` ended within the data, so its actuals are known."""
    return fiscal_year_bounds(fiscal_year)[1] <= LAST_DAY


def budget_rows(seed: int) -> list[list[object]]:
    """Return one row per fiscal year and program."""
    rng = np.random.default_rng([seed, 4])
    rows: list[list[object]] = []
    for department, fund, program, millions in PROGRAMS:
        adopted = millions * 1_000_000 * rng.uniform(0.97, 1.03)
        growth = rng.uniform(0.02, 0.06)
        for fiscal_year in FISCAL_YEARS:
            amended = adopted * (1 + rng.normal(0.01, 0.02))
            actual = f"{amended * rng.uniform(0.9, 1.005):.2f}" if is_closed(fiscal_year) else ""
            rows.append(
                [fiscal_year, department, fund, program, f"{adopted:.2f}", f"{amended:.2f}", actual]
            )
            adopted *= 1 + growth + rng.normal(0, 0.015)
    rows.sort(key=lambda row: (row[0], row[1], row[2], row[3]))
    return rows


def write_budget(path: Path, seed: int) -> int:
    """Write budget.csv and return its data row count."""
    rows = budget_rows(seed)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(BUDGET_HEADER)
        writer.writerows(rows)
    return len(rows)
