"""The 311 request types of the demo city: department, volume, season and time to close."""

from __future__ import annotations

from dataclasses import dataclass

# Where the types of Kansas City's own 311 export (data.kcmo.org, "311 Call Center
# Service Requests") are known, CATEGORY, TYPE and DETAIL are its real values, spelled as
# the export spells them ("Lights / Signals"/"Street Light", "Animals / Pets"/"Stray"/
# "At Large - Non-Aggressive", "Property / Buildings / Construction"/"Land Use / Zoning
# Issue"…), so a plan written for the demo computes on the city's real export
# (test_demo_plan_on_real_311.py in citystat/demo/tests). The values were read from rows
# of the real export (docs/demo-city.md lists them). Types no real value could be found
# for were dropped or replaced by a real one rather than given a made-up name; the
# remaining descriptive names are listed in docs/demo-city.md. TYPE is unique here: the
# generator's tests select by it alone. The real export reuses a TYPE across categories,
# so the plan's filters add the category or DETAIL where that matters.

# Monthly volume multipliers, January first. Potholes follow the freeze-thaw cycle,
# weeds follow the growing season, water outages follow the cold.
SEASONS: dict[str, tuple[float, ...]] = {
    "flat": (1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1),
    "pothole": (1.6, 2.6, 2.4, 1.5, 0.9, 0.7, 0.5, 0.5, 0.6, 0.7, 0.9, 1.2),
    "summer": (0.5, 0.55, 0.75, 1.0, 1.3, 1.5, 1.6, 1.5, 1.2, 0.9, 0.65, 0.5),
    "weeds": (0.05, 0.05, 0.2, 0.7, 1.8, 2.6, 2.8, 2.5, 1.6, 0.6, 0.1, 0.05),
    "snow": (3.2, 3.0, 0.9, 0.05, 0, 0, 0, 0, 0, 0.02, 0.6, 2.4),
    "winter": (2.0, 1.9, 1.2, 0.8, 0.6, 0.6, 0.7, 0.7, 0.6, 0.7, 1.0, 1.6),
    "spring": (0.6, 0.7, 1.1, 1.5, 1.6, 1.4, 1.1, 1.0, 0.9, 0.8, 0.7, 0.6),
    "fall": (0.6, 0.5, 0.5, 0.6, 0.7, 0.7, 0.8, 0.9, 1.2, 2.0, 2.4, 1.3),
}


@dataclass(frozen=True)
class RequestType:
    """One row of KC's 311 taxonomy as the generator uses it.

    A `detail` of "District" is filled per row with the Public Works maintenance district
    ("District 1".."District 3") of the request's location, as in Kansas City's own data.
    """

    department: str
    work_group: str  # the division; the WORK GROUP column is "department-division-detail"
    category: str
    type: str
    detail: str
    share: float  # relative yearly volume
    season: str
    median_days: float
    sigma: float
    timeframe_days: int

    @property
    def name(self) -> str:
        """Return the REQUEST TYPE text, `CATEGORY-TYPE-DETAIL`."""
        return f"{self.category}-{self.type}-{self.detail}"


# (type, detail, share, season, median days, sigma, timeframe days), as types_of reads it.
RequestRow = tuple[str, str, float, str, float, float, int]

PW, WS, NHS = "Public Works", "Water Services", "Neighborhoods and Housing Services"
PARKS, HEALTH, CPD = "Parks and Recreation", "Health", "City Planning and Development"
ANIMALS, GS, CMO = "Animal Health and Public Safety", "General Services", "City Manager's Office"
STREETS, TRAFFIC = "Streets / Roadways / Alleys", "Traffic / Signals / Signs"
LIGHTS, SIDEWALKS = "Lights / Signals", "Sidewalks / Curbs / Ditch"
TRASH, WATER, STORM = "Trash / Recycling", "Water / Sewer", "Storm Water"
PROPERTY, PETS = "Property / Buildings / Construction", "Animals / Pets"
WEEDS, TREES = "Mowing / Weeds", "Trees"


def types_of(
    department: str, division: str, category: str, rows: list[RequestRow]
) -> list[RequestType]:
    """Return request types of one department division and category.

    Each row is (type, detail, share, season, median days, sigma, timeframe days).
    """
    return [RequestType(department, division, category, *row) for row in rows]


REQUEST_TYPES: list[RequestType] = [
    *types_of(
        PW,
        "Street and Traffic",
        STREETS,
        [
            ("Pothole", "District", 7, "pothole", 6, 1.0, 10),
            ("Street Repair", "District", 3, "spring", 20, 1.1, 30),
            ("Street Cleaning", "District", 1.5, "spring", 10, 0.9, 14),
            ("Snow / Ice", "District", 2.5, "snow", 2, 0.8, 3),
            ("Debris in Street", "District", 1.5, "flat", 3, 0.9, 5),
            ("Mowing Right of Way", "District", 1, "weeds", 14, 0.8, 21),
        ],
    ),
    # No real TYPE for sidewalk repairs was found; the sidewalk measure reads Kansas
    # City's real CATEGORY "Sidewalks / Curbs / Ditch" instead.
    *types_of(
        PW,
        "Street and Traffic",
        SIDEWALKS,
        [
            ("Curb Repair", "District", 3, "flat", 45, 1.0, 60),
        ],
    ),
    *types_of(
        PW,
        "Traffic Signals",
        LIGHTS,
        [
            ("Traffic Signal", "Signal Malfunction", 1.5, "flat", 1, 0.8, 2),
        ],
    ),
    *types_of(
        PW,
        "Traffic Signs",
        TRAFFIC,
        [
            ("Traffic Sign", "Damaged - Non-Emergency", 1.5, "flat", 12, 1.0, 21),
        ],
    ),
    *types_of(
        PW,
        "Street Lighting",
        LIGHTS,
        [
            ("Street Light", "5+ Lights Out", 3, "fall", 14, 1.0, 21),
        ],
    ),
    *types_of(
        PW,
        "Traffic Engineering",
        TRAFFIC,
        [
            ("Traffic Study Request", "Speeding", 0.5, "flat", 60, 0.8, 90),
        ],
    ),
    *types_of(
        PW,
        "Solid Waste",
        TRASH,
        [
            ("Trash Collection", "Missed by City", 8, "flat", 2, 0.7, 3),
            ("Recycling", "Missed by City", 4, "flat", 3, 0.7, 4),
            ("Trash Cart Request", "New or Replacement", 2, "flat", 10, 0.7, 14),
            ("Recycling Cart Request", "New or Replacement", 1.5, "flat", 10, 0.7, 14),
            ("Dumping", "Right of Way Central", 4, "summer", 12, 1.0, 21),
            ("Leaf / Brush", "Missed Pick Up", 1.5, "fall", 7, 0.7, 10),
            ("Dead Animal", "Street", 1.5, "summer", 1, 0.8, 2),
        ],
    ),
    *types_of(
        WS,
        "Distribution",
        WATER,
        [
            ("Leak", "Emergency Off / Flooding", 2.5, "winter", 4, 1.0, 7),
            # Water main breaks reach 311 as outages: TYPE "No Water / Pressure".
            ("No Water / Pressure", "No Water", 3, "winter", 1, 0.8, 2),
            ("Low Water Pressure", "Service Line", 0.8, "summer", 6, 1.0, 10),
            ("Fire Hydrant Damaged", "Hydrant", 0.6, "winter", 14, 1.0, 21),
        ],
    ),
    *types_of(
        WS,
        "Wastewater",
        WATER,
        [
            ("Sewer Backup", "Residential", 1.5, "spring", 2, 0.9, 3),
        ],
    ),
    *types_of(
        WS,
        "Customer Service",
        WATER,
        [
            ("Water Billing Question", "Account", 3, "flat", 5, 1.0, 10),
            ("Meter Problem", "Meter", 1.2, "flat", 10, 0.9, 14),
        ],
    ),
    *types_of(
        WS,
        "Stormwater",
        STORM,
        [
            ("Storm Drain / Catch Basin", "Clogged / Over-Flow", 1.5, "spring", 10, 1.0, 14),
            ("Flooding", "Street", 0.8, "spring", 7, 1.1, 10),
        ],
    ),
    *types_of(
        NHS,
        "Neighborhood Preservation",
        PROPERTY,
        [
            ("Trash and Debris on Property", "Private Property", 4, "summer", 25, 0.9, 30),
            ("Inoperable Vehicle", "Private Property", 1.5, "flat", 30, 1.0, 45),
            ("Exterior Structure Violation", "Residential", 1.5, "flat", 45, 1.0, 60),
            ("Open Vacant Structure", "Board Up", 0.8, "flat", 14, 1.0, 21),
            ("Graffiti", "Private Property", 0.8, "summer", 10, 1.0, 14),
            ("Illegal Sign", "Right of Way", 0.4, "flat", 14, 1.0, 21),
        ],
    ),
    *types_of(
        NHS,
        "Dangerous Buildings",
        PROPERTY,
        [
            ("Dangerous Building", "Vacant Structure", 1, "flat", 90, 1.0, 120),
        ],
    ),
    *types_of(
        NHS,
        "Neighborhood Preservation",
        PROPERTY,
        [
            ("Property Maintenance", "Main Structure", 1.2, "winter", 30, 1.0, 45),
        ],
    ),
    *types_of(
        NHS,
        "Neighborhood Preservation",
        WEEDS,
        [
            ("Private / Commercial", "Lot - Structure", 7, "weeds", 20, 0.8, 30),
        ],
    ),
    *types_of(
        ANIMALS,
        "Field Services",
        PETS,
        [
            ("Stray", "At Large - Non-Aggressive", 2.5, "summer", 1, 0.9, 2),
            ("Bite", "Animal on Animal", 0.5, "summer", 2, 0.8, 3),
            ("Barking Dog", "Nuisance", 0.8, "summer", 10, 1.0, 14),
            ("Animal Neglect", "Welfare Check", 0.8, "summer", 3, 1.0, 5),
            ("Wildlife", "Injured", 0.4, "spring", 5, 1.0, 7),
        ],
    ),
    *types_of(
        PARKS,
        "Park Maintenance",
        "Parks / Recreation",
        [
            ("Park Maintenance", "Grounds", 1, "summer", 10, 1.0, 14),
        ],
    ),
    *types_of(
        PARKS,
        "Forestry",
        "Parks / Recreation",
        [
            ("Tree Trimming", "Right of Way", 2, "spring", 45, 1.2, 60),
        ],
    ),
    *types_of(
        PARKS,
        "Forestry",
        TREES,
        [
            ("Storm Damage", "Tree Down", 1.2, "spring", 3, 1.0, 5),
        ],
    ),
    *types_of(
        PARKS,
        "Park Maintenance",
        "Parks / Recreation",
        [
            ("Playground Equipment Damaged", "Equipment", 0.3, "summer", 14, 1.0, 21),
            ("Mowing Park Land", "Grounds", 0.6, "weeds", 10, 0.8, 14),
        ],
    ),
    *types_of(
        PARKS,
        "Community Centers",
        "Parks / Recreation",
        [
            ("Community Center Inquiry", "Programs", 0.3, "flat", 3, 1.0, 5),
        ],
    ),
    *types_of(
        HEALTH,
        "Environmental Health",
        "Public Health",
        [
            ("Food Establishment", "Restaurant", 0.6, "flat", 7, 0.9, 10),
            ("Mosquitoes", "Standing Water", 0.3, "summer", 5, 0.8, 7),
            ("Lead Hazard", "Residential", 0.2, "flat", 30, 1.0, 45),
            ("Air Quality and Odor", "Complaint", 0.3, "summer", 5, 1.0, 7),
        ],
    ),
    *types_of(
        HEALTH,
        "Environmental Health",
        PETS,
        [
            ("Rat Treatment", "Vacant Property", 0.8, "fall", 10, 0.9, 14),
        ],
    ),
    *types_of(
        CPD,
        "Development Services",
        PROPERTY,
        [
            ("Land Use / Zoning Issue", "Unapproved Land Use", 0.6, "flat", 30, 1.0, 45),
        ],
    ),
    *types_of(
        CPD,
        "Development Services",
        "Permits / Zoning",
        [
            ("Work Without Permit", "Construction", 0.6, "spring", 21, 1.0, 30),
            ("Permit Status Inquiry", "Permit Desk", 0.5, "flat", 5, 1.0, 7),
        ],
    ),
    *types_of(
        GS,
        "Facilities",
        "City Facilities",
        [
            ("Facility Maintenance", "Building", 0.4, "flat", 10, 1.0, 14),
        ],
    ),
    *types_of(
        GS,
        "Fleet",
        "City Facilities",
        [
            ("City Vehicle Complaint", "Driving", 0.3, "flat", 7, 1.0, 10),
        ],
    ),
    *types_of(
        CMO,
        "311 Call Center",
        "General Information",
        [
            ("Information Request", "Support", 2, "flat", 1, 0.8, 2),
            ("Employee Feedback", "Support", 0.4, "flat", 7, 1.0, 10),
        ],
    ),
]

# Solid-waste requests whose volume and close times follow the division's vacancies
# (staffing.solid_waste_vacancy_rate), the root-cause story the demo city tells.
STAFFING_SENSITIVE_TYPES = frozenset({"Trash Collection", "Recycling"})

# How requests reach 311, with the app growing over the years (shares for 2020 and 2026).
SOURCES = ("PHONE", "WEB", "EMAIL", "APP", "WALK IN", "TWITTER")
SOURCE_SHARES_FIRST = (0.46, 0.32, 0.12, 0.05, 0.01, 0.04)
SOURCE_SHARES_LAST = (0.34, 0.36, 0.08, 0.18, 0.01, 0.03)
