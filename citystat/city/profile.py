"""Load the city profile from a `city.yaml` file (the `citystat city` command)."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from pathlib import Path
from typing import Any

import yaml
from django.core.files import File
from django.db import transaction

from citystat.city.models import BoundaryLayer, CityProfile, Department


class CityFileError(ValueError):
    """A city.yaml (or a boundary file it names) that cannot be used, with where and why."""


def load_city_file(path: Path) -> CityProfile:
    """Read `path` and replace the city profile, departments and boundary layers with it.

    Everything is checked before anything is written, so a bad file changes nothing.
    """
    document = _read_yaml(path)
    profile_fields = _profile_fields(document, path)
    departments = _departments(document, path)
    logo = _logo(document, path)
    layers = [
        _boundary_layer(entry, index, path)
        for index, entry in enumerate(document.get("boundaries") or [])
    ]
    with transaction.atomic():
        profile = CityProfile.objects.order_by("pk").first() or CityProfile()
        for field, value in profile_fields.items():
            setattr(profile, field, value)
        profile.full_clean()
        if logo is not None:
            with logo.open("rb") as source:
                profile.logo.save(logo.name, File(source), save=False)
        profile.save()
        for code, name in departments:
            Department.objects.update_or_create(code=code, defaults={"name": name})
        for layer in layers:
            BoundaryLayer.objects.update_or_create(slug=layer["slug"], defaults=layer)
    return profile


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CityFileError(f"{path}: no such file.") from None
    except yaml.YAMLError as error:
        raise CityFileError(f"{path}: not valid YAML ({error}).") from None
    if not isinstance(document, dict):
        raise CityFileError(f"{path}: expected a mapping of settings such as 'name: Springfield'.")
    return document


def _profile_fields(document: dict[str, Any], path: Path) -> dict[str, Any]:
    name = document.get("name")
    if not isinstance(name, str) or not name.strip():
        raise CityFileError(f"{path}: 'name' is required, for example 'name: Springfield'.")
    time_zone = str(document.get("time_zone", "America/Chicago"))
    if time_zone not in zoneinfo.available_timezones():
        raise CityFileError(
            f"{path}: time_zone {time_zone!r} is not a time zone name such as America/Chicago."
        )
    start = str(document.get("fiscal_year_start", "07-01"))
    try:
        start_day = dt.datetime.strptime(start, "%m-%d")
    except ValueError:
        raise CityFileError(
            f"{path}: fiscal_year_start {start!r} should be month-day, for example '05-01'."
        ) from None
    if start_day.day > 28:
        raise CityFileError(f"{path}: fiscal_year_start must fall on day 1–28 of a month.")
    population = document.get("population")
    if population is not None and (not isinstance(population, int) or population <= 0):
        raise CityFileError(f"{path}: population {population!r} should be a positive number.")
    languages = document.get("languages", ["en"])
    if not isinstance(languages, list) or not all(isinstance(code, str) for code in languages):
        raise CityFileError(f"{path}: languages should be a list of codes such as [en, es].")
    fields: dict[str, Any] = {
        "name": name.strip(),
        "state": str(document.get("state", "")),
        "time_zone": time_zone,
        "languages": languages,
        "fiscal_year_start_month": start_day.month,
        "fiscal_year_start_day": start_day.day,
        "population": population,
        "website": str(document.get("website", "")),
    }
    for key in ("data_license", "data_license_url"):
        if key in document:
            fields[key] = str(document[key])
    return fields


LOGO_SUFFIXES = {".png", ".svg", ".jpg", ".jpeg", ".webp"}


def _logo(document: dict[str, Any], path: Path) -> Path | None:
    if not document.get("logo"):
        return None
    logo = (path.parent / str(document["logo"])).resolve()
    if not logo.is_file():
        raise CityFileError(f"{path}: logo {logo} does not exist.")
    if logo.suffix.lower() not in LOGO_SUFFIXES:
        raise CityFileError(f"{path}: logo {logo.name} should be a PNG, SVG, JPEG or WebP image.")
    return logo


def _departments(document: dict[str, Any], path: Path) -> list[tuple[str, str]]:
    result = []
    for index, entry in enumerate(document.get("departments") or []):
        if not isinstance(entry, dict) or not entry.get("code") or not entry.get("name"):
            raise CityFileError(
                f"{path}: departments[{index}] needs a code and a name, "
                "for example {code: water, name: Water Services}."
            )
        result.append((str(entry["code"]), str(entry["name"])))
    return result


def _boundary_layer(entry: Any, index: int, path: Path) -> dict[str, Any]:
    where = f"{path}: boundaries[{index}]"
    if not isinstance(entry, dict):
        raise CityFileError(
            f"{where} should be a mapping with slug, title, file, name_property "
            "(and id_property when the data names areas by id)."
        )
    missing = [key for key in ("slug", "title", "file", "name_property") if not entry.get(key)]
    if missing:
        raise CityFileError(f"{where} is missing {', '.join(missing)}.")
    geojson_path = (path.parent / str(entry["file"])).resolve()
    try:
        geojson = json.loads(geojson_path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise CityFileError(f"{where}: file {geojson_path} does not exist.") from None
    except json.JSONDecodeError as error:
        raise CityFileError(f"{where}: {geojson_path} is not valid JSON ({error}).") from None
    features = geojson.get("features") if isinstance(geojson, dict) else None
    if geojson.get("type") != "FeatureCollection" or not isinstance(features, list):
        raise CityFileError(f"{where}: {geojson_path} is not a GeoJSON FeatureCollection.")
    name_property = str(entry["name_property"])
    id_property = str(entry.get("id_property") or "")
    seen_ids: dict[str, int] = {}
    for number, feature in enumerate(features):
        geometry_type = (feature.get("geometry") or {}).get("type")
        if geometry_type not in ("Polygon", "MultiPolygon"):
            raise CityFileError(
                f"{where}: feature {number} in {geojson_path} is a {geometry_type}, "
                "expected a Polygon or MultiPolygon."
            )
        properties = feature.get("properties") or {}
        for key in (name_property, id_property) if id_property else (name_property,):
            problem = property_problem(properties, key)
            if problem:
                raise CityFileError(f"{where}: feature {number} in {geojson_path} {problem}.")
        if id_property:
            area_id = str(properties[id_property]).strip()
            if area_id in seen_ids:
                raise CityFileError(
                    f"{where}: features {seen_ids[area_id]} and {number} in {geojson_path} "
                    f"have the same {id_property!r}, {area_id!r}; each area needs its own id."
                )
            seen_ids[area_id] = number
    return {
        "slug": str(entry["slug"]),
        "title": str(entry["title"]),
        "name_property": name_property,
        "id_property": id_property,
        "geojson": geojson,
        "area_count": len(features),
    }


def property_problem(properties: dict[str, Any], key: str) -> str:
    """Say what is wrong with a feature's `key` property: missing, or there but empty."""
    if key not in properties or properties[key] is None:
        return f"has no {key!r} property"
    if not str(properties[key]).strip():
        return f"has an empty {key!r}: the property is there but its value is blank"
    return ""
