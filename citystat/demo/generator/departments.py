"""Kansas City's departments and divisions as the demo city staffs and budgets them."""

from __future__ import annotations

from django.utils.text import slugify

# Authorized full-time positions by department and division at the start of the history
# (FY2021); Kansas City employs about 4,500 people outside the police department's
# separate board, which the demo folds in as one more department.
DIVISIONS: dict[str, dict[str, int]] = {
    "Police": {"Patrol": 1100, "Investigations": 350, "Support Services": 400},
    "Fire": {"Suppression": 900, "Emergency Medical Services": 350, "Fire Prevention": 60},
    "Public Works": {
        "Street and Traffic": 320,
        "Solid Waste": 140,
        "Traffic Engineering": 90,
        "Street Lighting": 30,
        "Capital Projects": 60,
    },
    "Water Services": {
        "Distribution": 260,
        "Wastewater": 280,
        "Treatment": 150,
        "Customer Service": 120,
        "Stormwater": 70,
    },
    "Neighborhoods and Housing Services": {
        "Neighborhood Preservation": 110,
        "Dangerous Buildings": 25,
        "Rental Housing": 20,
        "Housing and Community Development": 30,
    },
    "Animal Health and Public Safety": {"Field Services": 45, "Animal Health": 15},
    "Parks and Recreation": {"Park Maintenance": 200, "Forestry": 50, "Community Centers": 120},
    "Health": {"Environmental Health": 60, "Community Health": 110},
    "City Planning and Development": {"Development Services": 110, "Long Range Planning": 25},
    "General Services": {"Facilities": 110, "Fleet": 80, "Procurement": 25},
    "City Manager's Office": {"311 Call Center": 45, "Performance Management": 10, "Executive": 15},
    "Finance": {"Accounting": 50, "Revenue": 80, "Budget": 15},
    "Human Resources": {"Talent": 30, "Benefits": 20},
    "Aviation": {"Airport Operations": 400, "Airport Facilities": 200},
    "Municipal Court": {"Court Operations": 110},
    "Law": {"Legal Services": 70},
}

DEPARTMENTS: list[str] = list(DIVISIONS)


def department_code(name: str) -> str:
    """Return the department's code, its slugified name (`public-works`)."""
    return slugify(name)
