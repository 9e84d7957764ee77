"""Whole-dataset downloads: CSV, JSON, Parquet, GeoJSON and a Frictionless Data Package.

Each file is written once per published version: the warehouse engine streams the rows
in batches and a private DuckDB writes them to disk (bounded memory, whatever the size),
then it is served as a static file.
Only public columns are ever written.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import duckdb
from django.conf import settings

from citystat.api.soda import four_by_four
from citystat.api.soql import columns_from_schema
from citystat.catalog import engines
from citystat.catalog.models import Dataset, DatasetVersion
from citystat.catalog.warehouse import quote_identifier
from citystat.city.models import CityProfile

EXTENSIONS = ("csv", "json", "parquet", "geojson")
FORMATS = {
    "csv": ("text/csv; charset=utf-8", "(format csv, header true)"),
    "json": ("application/json", "(format json, array true)"),
    "parquet": ("application/vnd.apache.parquet", "(format parquet, compression zstd)"),
}


def has_points(dataset: Dataset) -> bool:
    return {"latitude", "longitude"} <= columns_from_schema(dataset.fields).keys()


def export_path(dataset: Dataset, version: DatasetVersion, extension: str) -> Path:
    """Return the export file for this version, writing it first if it does not exist."""
    folder = settings.CITYSTAT_HOME / "exports" / dataset.slug
    target = folder / f"v{version.number}.{extension}"
    if target.is_file():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    names = list(columns_from_schema(dataset.fields))
    columns = ", ".join(quote_identifier(name) for name in names)
    # Written beside the target and renamed into place, so a reader never sees half a file.
    handle, temporary = tempfile.mkstemp(dir=folder, suffix=f".{extension}.part")
    os.close(handle)
    try:
        # The engine streams the rows; a private DuckDB writes them, so every engine's
        # downloads come out byte for byte in the same formats.
        with engines.open_session() as session, duckdb.connect(":memory:") as writer:
            writer.register("published", session.arrow_batches(dataset.slug, names))
            if extension == "geojson":
                write_geojson(writer, "published", columns, Path(temporary))
            else:
                quoted_path = "'" + temporary.replace("'", "''") + "'"
                options = FORMATS[extension][1]
                writer.execute(f"copy (select {columns} from published) to {quoted_path} {options}")
        os.replace(temporary, target)
    finally:
        Path(temporary).unlink(missing_ok=True)
    return target


def write_geojson(connection: Any, relation: str, columns: str, path: Path) -> None:
    """Write rows as GeoJSON point features, streaming in batches."""
    cursor = connection.execute(f"select {columns} from {relation}")
    names = [column[0] for column in cursor.description]
    latitude, longitude = names.index("latitude"), names.index("longitude")
    with path.open("w", encoding="utf-8") as out:
        out.write('{"type": "FeatureCollection", "features": [')
        first = True
        while batch := cursor.fetchmany(10_000):
            for row in batch:
                geometry = None
                if row[latitude] is not None and row[longitude] is not None:
                    geometry = {"type": "Point", "coordinates": [row[longitude], row[latitude]]}
                properties = {
                    name: (value.isoformat() if hasattr(value, "isoformat") else value)
                    for name, value in zip(names, row, strict=True)
                    if value is not None
                }
                feature = {"type": "Feature", "geometry": geometry, "properties": properties}
                out.write(("" if first else ",") + json.dumps(feature, separators=(",", ":")))
                first = False
        out.write("]}")


def data_package(dataset: Dataset, csv_url: str) -> dict[str, Any]:
    """Return a Frictionless Data Package describing the dataset's CSV download."""
    city = CityProfile.current()
    fields = [
        {key: value for key, value in spec.items() if key not in ("public",)}
        for spec in dataset.fields
        if spec.get("public", True)
    ]
    for spec in fields:
        # The CSV is written by DuckDB in ISO formats, whatever the source file used.
        if spec.get("type") in ("date", "datetime", "time"):
            spec["format"] = "default"
        if spec.get("type") == "boolean":
            spec.pop("trueValues", None)
            spec.pop("falseValues", None)
    schema: dict[str, Any] = {"fields": fields}
    if dataset.table_schema.get("primaryKey"):
        schema["primaryKey"] = dataset.table_schema["primaryKey"]
    package: dict[str, Any] = {
        "name": dataset.slug,
        "id": four_by_four(dataset.slug),
        "title": dataset.title,
        "description": dataset.description,
        "keywords": list(dataset.tags),
        "resources": [
            {
                "name": dataset.slug,
                "path": csv_url,
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": schema,
            }
        ],
    }
    if city.data_license_url:
        package["licenses"] = [{"name": city.data_license, "path": city.data_license_url}]
    return package
