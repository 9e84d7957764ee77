"""The demo city's datasets: each one's catalog entry, Table Schema and source layout."""

from __future__ import annotations

from typing import Any

from citystat.catalog.presets import (
    KC_311_COLUMNS,
    REQUIRED,
    SERVICE_REQUESTS_SCHEMA,
    field,
)

__all__ = ["DEMO_DATASETS", "KC_311_COLUMNS", "SERVICE_REQUESTS_SCHEMA"]

BUDGET_SCHEMA = {
    "fields": [
        field("fiscal_year", "integer", title="Fiscal year", constraints=REQUIRED),
        field("department", title="Department", constraints=REQUIRED),
        field("fund", title="Fund"),
        field("program", title="Program"),
        field("adopted", "number", title="Adopted budget ($)"),
        field("amended", "number", title="Amended budget ($)"),
        field("actual", "number", title="Actual spending ($)"),
    ]
}

STAFFING_SCHEMA = {
    "fields": [
        field("month", "date", title="Month", constraints=REQUIRED),
        field("department", title="Department", constraints=REQUIRED),
        field("division", title="Division"),
        field("authorized_positions", "integer", title="Authorized positions"),
        field("filled_positions", "integer", title="Filled positions"),
        field("vacancies", "integer", title="Vacancies"),
        field("hires", "integer", title="Hires"),
        field("separations", "integer", title="Separations"),
    ]
}

DEMOLITIONS_SCHEMA = {
    "fields": [
        field("demolition_id", "integer", title="Demolition ID", constraints=REQUIRED),
        field("parcel_id", title="Parcel ID", public=False),
        # Declared a street address (Table Schema rdfType), so the near-me page looks
        # residents' addresses up here (citystat/catalog/places_data.py).
        field(
            "street_address",
            title="Street address",
            rdfType="https://schema.org/streetAddress",
        ),
        field("neighborhood", title="Neighborhood"),
        field("council_district", "integer", title="Council district"),
        field("latitude", "number", title="Latitude"),
        field("longitude", "number", title="Longitude"),
        field("reason", title="Reason"),
        field(
            "status",
            title="Status",
            constraints={"enum": ["planned", "completed", "on hold"]},
        ),
        field("planned_date", "date", title="Planned date"),
        field("completed_date", "date", title="Completed date"),
        field("estimated_cost", "number", title="Estimated cost ($)"),
    ],
    "primaryKey": ["demolition_id"],
}

LIKERT = {"enum": [1, 2, 3, 4, 5, 9]}


def resident_survey_schema() -> dict[str, Any]:
    items = [f"q2_{number:02d}" for number in range(1, 9)] + [
        f"q3_{number:02d}" for number in range(1, 17)
    ]
    return {
        "fields": [
            field("respondent_id", "integer", constraints=REQUIRED),
            field("wave"),
            field("survey_date", "date"),
            field("method"),
            field("council_district", "integer", constraints={"minimum": 1, "maximum": 6}),
            field("weight", "number", constraints={"minimum": 0}),
            *[field(item, "integer", constraints=LIKERT) for item in items],
            *[field(f"q4_0{pick}", "integer") for pick in (1, 2, 3)],
            field("age_band"),
            field("gender"),
            field("tenure"),
            field("income_band"),
        ],
        "primaryKey": ["respondent_id"],
    }


def employee_survey_schema() -> dict[str, Any]:
    return {
        "fields": [
            field("respondent_id", "integer", constraints=REQUIRED),
            field("survey_year", "integer"),
            field("department"),
            field("tenure_band"),
            field("supervisor"),
            *[
                field(f"e{number:02d}", "integer", constraints={"minimum": 1, "maximum": 5})
                for number in range(1, 13)
            ],
        ],
        "primaryKey": ["respondent_id"],
    }


DEMO_DATASETS: list[dict[str, Any]] = [
    {
        "slug": "service-requests",
        "file": "service_requests.csv",
        "title": "311 service requests",
        "description": "Every request residents made to 311, from creation to close.",
        "department": "General Services",
        "update_frequency": "daily",
        "tags": ["311", "service requests"],
        "is_public": True,
        "table_schema": SERVICE_REQUESTS_SCHEMA,
        "column_map": KC_311_COLUMNS,
    },
    {
        "slug": "budget",
        "file": "budget.csv",
        "title": "Budget by department, fund and program",
        "description": "Adopted, amended and actual budget by fiscal year (1 May – 30 April).",
        "department": "Finance",
        "update_frequency": "yearly",
        "tags": ["budget", "finance"],
        "is_public": True,
        "table_schema": BUDGET_SCHEMA,
    },
    {
        "slug": "resident-survey",
        "file": "resident_survey.csv",
        "title": "Resident satisfaction survey responses",
        "description": "One row per respondent of the yearly resident survey, without addresses.",
        "department": "City Manager's Office",
        "update_frequency": "yearly",
        "tags": ["survey", "residents"],
        "is_public": True,
        "table_schema": resident_survey_schema(),
    },
    {
        "slug": "employee-survey",
        "file": "employee_survey.csv",
        "title": "Employee engagement survey responses",
        "description": "One row per employee respondent; published only as summaries.",
        "department": "Human Resources",
        "update_frequency": "yearly",
        "tags": ["survey", "employees"],
        "is_public": False,
        "table_schema": employee_survey_schema(),
    },
    {
        "slug": "staffing",
        "file": "staffing.csv",
        "title": "Authorized and filled positions",
        "description": "Positions authorized and filled, hires and separations, by month.",
        "department": "Human Resources",
        "update_frequency": "monthly",
        "tags": ["staffing"],
        "is_public": True,
        "table_schema": STAFFING_SCHEMA,
    },
    {
        "slug": "demolitions",
        "file": "demolitions.csv",
        "title": "Dangerous building demolitions",
        "description": "Planned and completed demolitions of dangerous buildings.",
        "department": "Neighborhoods and Housing Services",
        "update_frequency": "weekly",
        "tags": ["demolitions", "neighborhoods"],
        "is_public": True,
        "table_schema": DEMOLITIONS_SCHEMA,
    },
]
