"""Monthly authorized and filled positions, with the solid-waste vacancy crisis of 2023-24."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from citystat.demo.generator.departments import DIVISIONS
from citystat.demo.generator.timeline import MONTH_COUNT, MONTH_STARTS

STAFFING_HEADER = [
    "month",
    "department",
    "division",
    "authorized_positions",
    "filled_positions",
    "vacancies",
    "hires",
    "separations",
]

BASE_VACANCY_RATE = 0.08
# Month indexes (0 = 2020-05) where the solid-waste crisis ramps up, holds and recovers:
# ramp from 2022-11, full from 2023-05 through 2024-08, back to normal by 2025-02.
CRISIS_RAMP_START, CRISIS_FULL_START, CRISIS_FULL_END, CRISIS_RECOVERED = 30, 36, 51, 57
CRISIS_EXTRA_VACANCY = 0.22


def crisis_level(month_index: np.ndarray | int) -> np.ndarray:
    """Return how deep the solid-waste staffing crisis is in a month, from 0 to 1."""
    month = np.asarray(month_index, dtype=float)
    rising = (month - CRISIS_RAMP_START) / (CRISIS_FULL_START - CRISIS_RAMP_START)
    falling = (CRISIS_RECOVERED - month) / (CRISIS_RECOVERED - CRISIS_FULL_END)
    return np.clip(np.minimum(rising, falling), 0.0, 1.0)


def solid_waste_vacancy_rate(month_index: np.ndarray | int) -> np.ndarray:
    """Return the solid-waste division's vacancy rate; 311 close times and surveys follow it."""
    return BASE_VACANCY_RATE + CRISIS_EXTRA_VACANCY * crisis_level(month_index)


def vacancy_rate(department: str, division: str, month_index: np.ndarray) -> np.ndarray:
    """Return the expected vacancy rate of a division, month by month."""
    if (department, division) == ("Public Works", "Solid Waste"):
        return solid_waste_vacancy_rate(month_index)
    # The 2021-22 labor market pushed every department's vacancies up a little.
    pandemic = 0.04 * np.clip(1 - np.abs(np.asarray(month_index) - 20) / 14, 0, 1)
    public_works_extra = 0.03 if department == "Public Works" else 0.0
    return BASE_VACANCY_RATE + public_works_extra + pandemic


def department_vacancy(department: str, month_indexes: np.ndarray) -> float:
    """Return a department's mean vacancy rate over some months, weighted by positions."""
    divisions = DIVISIONS[department]
    total = sum(divisions.values())
    return float(
        sum(
            size * vacancy_rate(department, division, month_indexes).mean()
            for division, size in divisions.items()
        )
        / total
    )


def staffing_rows(seed: int) -> list[list[object]]:
    """Return every month's staffing row for every division."""
    rng = np.random.default_rng([seed, 5])
    months = np.arange(MONTH_COUNT)
    fiscal_year_index = months // 12  # the history starts on 1 May, a fiscal year start
    rows: list[list[object]] = []
    for department, divisions in DIVISIONS.items():
        for division, base in divisions.items():
            growth = rng.uniform(0.005, 0.02)
            authorized = np.rint(base * (1 + growth) ** fiscal_year_index).astype(int)
            target = vacancy_rate(department, division, months)
            noise = rng.normal(0, 0.012, MONTH_COUNT)
            filled = np.rint(authorized * np.clip(1 - target - noise, 0.5, 1)).astype(int)
            separations = rng.poisson(np.maximum(filled, 1) * 0.011)
            previous = np.concatenate([[filled[0]], filled[:-1]])
            hires = filled - previous + separations
            # A month with more net loss than separations counts the rest as separations.
            separations = separations + np.maximum(-hires, 0)
            hires = np.maximum(hires, 0)
            for index, month in enumerate(MONTH_STARTS):
                rows.append(
                    [
                        month.isoformat(),
                        department,
                        division,
                        int(authorized[index]),
                        int(filled[index]),
                        int(authorized[index] - filled[index]),
                        int(hires[index]),
                        int(separations[index]),
                    ]
                )
    return rows


def write_staffing(path: Path, seed: int) -> int:
    """Write staffing.csv and return its data row count."""
    rows = staffing_rows(seed)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(STAFFING_HEADER)
        writer.writerows(rows)
    return len(rows)
