"""Ready schemas and column maps for real cities' exports (`citystat ingest --preset`).

A preset is a data file, not code: `preset_files/NAME.yaml` ships with citystat, and a
city adds its own (or replaces a shipped one) by writing `CITYSTAT_HOME/presets/NAME.yaml`
or `.json`. Each holds `title`, `table_schema`, `column_map` and `ignored_columns`, and
is checked when read, so a mistake in one names the file and the key.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings

from citystat.catalog.schema import SchemaError, validate_schema
from citystat.lib.errors import CitystatError

SHIPPED_FOLDER = Path(__file__).parent / "preset_files"
SUFFIXES = (".yaml", ".yml", ".json")
KEYS = ("title", "table_schema", "column_map", "ignored_columns")


class UnknownPreset(CitystatError):
    pass


class PresetError(CitystatError):
    pass


def field(name: str, field_type: str = "string", **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": field_type, **extra}


REQUIRED = {"required": True}


def city_folder() -> Path:
    """Return the folder where a city keeps its own presets."""
    return Path(settings.CITYSTAT_HOME) / "presets"


def preset_files() -> dict[str, Path]:
    """Return {preset name: file}; a city's own file wins over a shipped one of that name."""
    found: dict[str, Path] = {}
    for folder in (SHIPPED_FOLDER, city_folder()):
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.suffix in SUFFIXES and path.is_file():
                found[path.stem] = path
    return found


def preset_names() -> list[str]:
    return sorted(preset_files())


def preset(name: str) -> dict[str, Any]:
    """Return the preset called `name`, or say which ones exist."""
    files = preset_files()
    if name not in files:
        raise UnknownPreset(f"no preset {name!r}; known presets: {', '.join(sorted(files))}.")
    return read_preset(files[name])


def read_preset(path: Path) -> dict[str, Any]:
    """Read and check one preset file, or raise PresetError naming the file and the key."""
    try:
        text = path.read_text(encoding="utf-8")
        document = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as error:
        raise PresetError(f"preset {path}: cannot be read ({error}).") from None
    if not isinstance(document, dict):
        raise PresetError(f"preset {path}: expected a mapping with {', '.join(KEYS)}.")
    unknown = sorted(set(document) - set(KEYS))
    if unknown:
        raise PresetError(f"preset {path}: unknown key(s) {', '.join(unknown)}.")
    title = document.get("title")
    if not isinstance(title, str) or not title.strip():
        raise PresetError(f"preset {path}: 'title' should be the dataset's title.")
    schema = document.get("table_schema")
    try:
        fields = validate_schema(schema)  # type: ignore[arg-type]
    except (SchemaError, AttributeError) as error:
        raise PresetError(f"preset {path}: table_schema: {error}") from None
    column_map = document.get("column_map") or {}
    if not isinstance(column_map, dict) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in column_map.items()
    ):
        raise PresetError(f"preset {path}: column_map should map field names to column names.")
    names = {spec["name"] for spec in fields}
    stray = sorted(set(column_map) - names)
    if stray:
        raise PresetError(
            f"preset {path}: column_map names {', '.join(stray)}, not field(s) of table_schema."
        )
    ignored = document.get("ignored_columns") or []
    if not isinstance(ignored, list) or not all(isinstance(column, str) for column in ignored):
        raise PresetError(f"preset {path}: ignored_columns should list column names.")
    return {
        "title": title.strip(),
        "table_schema": schema,
        "column_map": column_map,
        "ignored_columns": ignored,
    }


# The shipped Kansas City 311 preset under the names the demo city and tests use.
_KC_311 = read_preset(SHIPPED_FOLDER / "kcmo-311.yaml")
SERVICE_REQUESTS_SCHEMA: dict[str, Any] = _KC_311["table_schema"]
KC_311_COLUMNS: dict[str, str] = _KC_311["column_map"]
KC_311_IGNORED: list[str] = _KC_311["ignored_columns"]
