"""The yearly resident survey (ETC Institute style) and the biennial employee survey."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np

from citystat.demo.generator.departments import DIVISIONS
from citystat.demo.generator.staffing import crisis_level, vacancy_rate
from citystat.demo.generator.timeline import FIRST_DAY, fiscal_year_bounds

# Kansas City's resident survey items (codebook of the FY2022 survey).
RESIDENT_ITEMS: dict[str, str] = {
    "q2_01": "Overall quality of services provided by the City",
    "q2_02": "Overall value you receive for your City tax dollars and fees",
    "q2_03": "Overall image of the City",
    "q2_04": "Overall quality of life in the City",
    "q2_05": "Overall feeling of safety in the City",
    "q2_06": "How safe you feel in your neighborhood",
    "q2_07": "Overall quality of the education system within the City",
    "q2_08": "Physical appearance of your neighborhood",
    "q3_01": "Police services",
    "q3_02": "Fire and ambulance services",
    "q3_03": "The maintenance of City streets, sidewalks and infrastructure",
    "q3_04": "Solid waste services",
    "q3_05": "City water utilities",
    "q3_06": "Neighborhood services",
    "q3_07": "City parks and recreation programs and facilities",
    "q3_08": "Health Department services",
    "q3_09": "Airport facilities",
    "q3_10": "The City's 311 service",
    "q3_11": "Municipal Court services",
    "q3_12": "Customer service you receive from City employees",
    "q3_13": "Overall effectiveness of City communication with the public",
    "q3_14": "The City's stormwater runoff and stormwater management system",
    "q3_15": "Public transportation",
    "q3_16": "City planning and development services",
}
# q4_01..q4_03 hold the number (1..16) of the q3 item named first, second and third most
# important; so the answer 3 means q3_03, street maintenance.
PRIORITY_ITEMS: dict[int, str] = {number: f"q3_{number:02d}" for number in range(1, 17)}

# (mean rating 1..5, share answering "don't know") per item in FY2021.
ITEM_BASE: dict[str, tuple[float, float]] = {
    "q2_01": (3.2, 0.03), "q2_02": (2.8, 0.05), "q2_03": (3.1, 0.03), "q2_04": (3.3, 0.02),
    "q2_05": (2.7, 0.02), "q2_06": (3.4, 0.01), "q2_07": (2.5, 0.2), "q2_08": (3.2, 0.01),
    "q3_01": (3.2, 0.08), "q3_02": (4.0, 0.12), "q3_03": (2.3, 0.02), "q3_04": (3.6, 0.03),
    "q3_05": (3.3, 0.05), "q3_06": (2.9, 0.15), "q3_07": (3.6, 0.1), "q3_08": (3.3, 0.3),
    "q3_09": (3.9, 0.2), "q3_10": (3.3, 0.25), "q3_11": (3.1, 0.45), "q3_12": (3.3, 0.2),
    "q3_13": (3.0, 0.08), "q3_14": (2.8, 0.15), "q3_15": (3.1, 0.25), "q3_16": (2.9, 0.4),
}  # fmt: skip
# The city's focus areas, whose satisfaction climbs each year (mean points per year).
FOCUS_TRENDS = {"q3_03": 0.12, "q3_06": 0.07, "q3_10": 0.05, "q2_08": 0.04}
# Missed trash in the solid-waste staffing crisis costs q3_04 this much at its worst.
SOLID_WASTE_CRISIS_DROP = 0.9
# The east side (districts 3 and 5) rates the city's services lower than the rest.
DISTRICT_EFFECT = {1: 0.1, 2: 0.15, 3: -0.3, 4: 0.0, 5: -0.25, 6: 0.1}
# Relative chance that residents name each q3 item among their top three priorities.
PRIORITY_WEIGHTS = np.array(
    [0.33, 0.08, 0.4, 0.08, 0.12, 0.12, 0.06, 0.05, 0.02, 0.04, 0.02, 0.03, 0.05, 0.1, 0.08, 0.03]
)
RESIDENT_WAVES = range(2021, 2027)
RESPONDENTS_PER_DISTRICT = 750
METHODS, METHOD_SHARES = ("Web", "Mail", "Phone"), (0.45, 0.4, 0.15)
AGE_BANDS = ("18-34", "35-44", "45-54", "55-64", "65+")
AGE_SHARES = (0.26, 0.18, 0.17, 0.18, 0.21)
GENDERS, GENDER_SHARES = ("Female", "Male", "Another identity"), (0.52, 0.46, 0.02)
TENURES, TENURE_SHARES = ("Own", "Rent"), (0.6, 0.4)
INCOME_BANDS = ("Under $30K", "$30K-$59,999", "$60K-$99,999", "$100K+", "Not provided")
INCOME_SHARES = (0.2, 0.24, 0.23, 0.2, 0.13)

RESIDENT_HEADER = [
    "respondent_id", "wave", "survey_date", "method", "council_district", "weight",
    *RESIDENT_ITEMS, "q4_01", "q4_02", "q4_03", "age_band", "gender", "tenure", "income_band",
]  # fmt: skip

# Durham-style engagement: six scales of two items; an employee is engaged when the mean
# of the six scale means is at least 3.65.
ENGAGEMENT_SCALES: dict[str, tuple[str, str]] = {
    "Pride in the organization": ("e01", "e02"),
    "Job satisfaction": ("e03", "e04"),
    "Intent to stay": ("e05", "e06"),
    "Recognition": ("e07", "e08"),
    "Supervisor support": ("e09", "e10"),
    "Tools and resources": ("e11", "e12"),
}
EMPLOYEE_ITEMS: dict[str, str] = {
    "e01": "I am proud to work for the City",
    "e02": "I would recommend the City as a place to work",
    "e03": "I am satisfied with my job",
    "e04": "My work gives me a sense of accomplishment",
    "e05": "I plan to be working for the City two years from now",
    "e06": "I rarely think about looking for a job elsewhere",
    "e07": "I receive recognition for doing a good job",
    "e08": "My contributions are valued",
    "e09": "My supervisor supports my development",
    "e10": "My supervisor treats me with respect",
    "e11": "I have the tools and equipment to do my job",
    "e12": "My work group has enough people to do its work",
}
ENGAGED_THRESHOLD = 3.65
EMPLOYEE_SURVEY_YEARS = (2021, 2023, 2025)
EMPLOYEE_RESPONSE_RATE = 0.42
TENURE_BANDS = ("Less than 1 year", "1-4 years", "5-9 years", "10-19 years", "20+ years")
TENURE_BAND_SHARES = (0.12, 0.3, 0.22, 0.24, 0.12)
# Engagement falls this much (points) per point of vacancy rate above the base 8%.
VACANCY_PENALTY = 5.0
EMPLOYEE_HEADER = [
    "respondent_id", "survey_year", "department", "tenure_band", "supervisor", *EMPLOYEE_ITEMS,
]  # fmt: skip


def to_likert(latent: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(latent), 1, 5).astype(np.int64)


def month_indexes_of(fiscal_year: int) -> np.ndarray:
    """Return the history's month indexes (0 = May 2020) that fall in `fiscal_year`."""
    first = (fiscal_year - 1 - FIRST_DAY.year) * 12
    return np.arange(first, first + 12)


def resident_rows(seed: int) -> list[list[object]]:
    """Return one row per resident respondent across the yearly waves."""
    rng = np.random.default_rng([seed, 6])
    rows: list[list[object]] = []
    respondent_id = 0
    for wave in RESIDENT_WAVES:
        first_day, last_day = fiscal_year_bounds(wave)
        years = wave - RESIDENT_WAVES[0]
        crisis = float(crisis_level(month_indexes_of(wave)).mean())
        sizes = rng.poisson(RESPONDENTS_PER_DISTRICT, 6)
        district = np.repeat(np.arange(1, 7), sizes)
        count = len(district)
        mood = rng.normal(0, 0.5, count)
        shift = np.array([DISTRICT_EFFECT[int(number)] for number in district])
        ratings = {}
        for item, (mean, dont_know) in ITEM_BASE.items():
            center = mean + FOCUS_TRENDS.get(item, 0.0) * years
            if item == "q3_04":
                center -= SOLID_WASTE_CRISIS_DROP * crisis
            values = to_likert(center + shift + mood + rng.normal(0, 0.85, count))
            ratings[item] = np.where(rng.random(count) < dont_know, 9, values)
        # Three distinct picks by weighted sampling without replacement (Gumbel top-k).
        weights = PRIORITY_WEIGHTS.copy()
        weights[3] *= 1 + 3 * crisis  # solid waste climbs the priorities in the crisis
        keys = np.log(weights) + rng.gumbel(size=(count, 16))
        picks = np.argsort(-keys, axis=1)[:, :3] + 1
        answered = np.select(
            [rng.random(count) < 0.06, rng.random(count) < 0.07, rng.random(count) < 0.08],
            [0, 1, 2],
            default=3,
        )
        weight = np.clip(rng.lognormal(0, 0.28, count), 0.5, 2.0)
        days = rng.integers(0, (last_day - first_day).days + 1, count)
        method = rng.choice(len(METHODS), count, p=METHOD_SHARES)
        demographics = [
            rng.choice(len(AGE_BANDS), count, p=AGE_SHARES),
            rng.choice(len(GENDERS), count, p=GENDER_SHARES),
            rng.choice(len(TENURES), count, p=TENURE_SHARES),
            rng.choice(len(INCOME_BANDS), count, p=INCOME_SHARES),
        ]
        order = np.argsort(days, kind="stable")
        for index in order:
            respondent_id += 1
            chosen = [int(picks[index, k]) if k < answered[index] else "" for k in range(3)]
            rows.append(
                [
                    respondent_id,
                    f"FY{wave}",
                    (first_day + dt.timedelta(days=int(days[index]))).isoformat(),
                    METHODS[method[index]],
                    int(district[index]),
                    f"{weight[index]:.4f}",
                    *(int(ratings[item][index]) for item in ITEM_BASE),
                    *chosen,
                    AGE_BANDS[demographics[0][index]],
                    GENDERS[demographics[1][index]],
                    TENURES[demographics[2][index]],
                    INCOME_BANDS[demographics[3][index]],
                ]
            )
    return rows


def employee_rows(seed: int) -> list[list[object]]:
    """Return one row per employee respondent in each survey year."""
    rng = np.random.default_rng([seed, 7])
    rows: list[list[object]] = []
    respondent_id = 0
    department_effect = {name: rng.normal(0, 0.12) for name in DIVISIONS}
    item_offset = rng.normal(0, 0.2, len(EMPLOYEE_ITEMS))
    item_offset[11] -= 0.3  # "enough people" is the lowest-rated item everywhere
    for year in EMPLOYEE_SURVEY_YEARS:
        # The survey runs in the fall, so it reflects staffing over that calendar year.
        months = np.arange((year - FIRST_DAY.year) * 12 - 4, (year - FIRST_DAY.year) * 12 + 8)
        months = months[months >= 0]
        for department, divisions in DIVISIONS.items():
            for division, positions in divisions.items():
                vacancy = float(vacancy_rate(department, division, months).mean())
                count = rng.binomial(int(positions * (1 - vacancy)), EMPLOYEE_RESPONSE_RATE)
                penalty = VACANCY_PENALTY * max(vacancy - 0.08, 0)
                center = 3.85 + department_effect[department] - penalty
                person = center + rng.normal(0, 0.55, count)
                answers = to_likert(
                    person[:, None] + item_offset[None, :] + rng.normal(0, 0.6, (count, 12))
                )
                tenure = rng.choice(len(TENURE_BANDS), count, p=TENURE_BAND_SHARES)
                supervisor = rng.random(count) < 0.15
                for index in range(count):
                    respondent_id += 1
                    rows.append(
                        [
                            respondent_id,
                            year,
                            department,
                            TENURE_BANDS[tenure[index]],
                            "Yes" if supervisor[index] else "No",
                            *(int(value) for value in answers[index]),
                        ]
                    )
    return rows


def write_rows(path: Path, header: list[str], rows: list[list[object]]) -> int:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return len(rows)


def write_resident_survey(path: Path, seed: int) -> int:
    """Write resident_survey.csv and return its data row count."""
    return write_rows(path, RESIDENT_HEADER, resident_rows(seed))


def write_employee_survey(path: Path, seed: int) -> int:
    """Write employee_survey.csv and return its data row count."""
    return write_rows(path, EMPLOYEE_HEADER, employee_rows(seed))
