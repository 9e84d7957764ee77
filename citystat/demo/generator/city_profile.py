"""The demo city's `city.yaml`, the profile `citystat city --from` loads."""

from __future__ import annotations

from pathlib import Path

from citystat.demo.generator.departments import DEPARTMENTS, department_code

CITY_YAML_HEAD = """\
name: Kansas City
state: Missouri
time_zone: America/Chicago
languages: [en, es]
fiscal_year_start: "05-01"
population: 510000
website: https://www.kcmo.gov
departments:
"""
CITY_YAML_BOUNDARIES = """\
boundaries:
  - {slug: council-districts, title: Council districts, file: council_districts.geojson, name_property: dist_id}
  - {slug: neighborhoods, title: Neighborhoods, file: neighborhoods.geojson, name_property: nbhname}
"""  # noqa: E501


def write_city_yaml(path: Path) -> int:
    """Write city.yaml and return how many departments it lists."""
    # Flow mappings need quotes around names with YAML-significant characters; none of
    # DEPARTMENTS has one, and test_generator checks the file parses back to them.
    lines = [f"  - {{code: {department_code(name)}, name: {name}}}\n" for name in DEPARTMENTS]
    path.write_text(CITY_YAML_HEAD + "".join(lines) + CITY_YAML_BOUNDARIES, encoding="utf-8")
    return len(DEPARTMENTS)
