"""An update's dataset, told as news: a plain-language heading built from the update's
filter, columns by their schema titles, cells written as residents read them, and one
map of the matching rows.

The filter is the same checked list of `{"field", "value"}` pairs `embeds.dataset_rows`
reads (`embeds.clean_filter` has already kept only public columns), and every query here
passes its values as parameters, never as SQL text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.template.defaultfilters import date as date_filter
from django.utils import formats, timezone
from django.utils.text import capfirst, get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from citystat.catalog.models import Dataset
from citystat.engagement.embeds import DatasetEmbed, matching, row_order

# A map of more dots than this is a blot, and the page would carry them all: the caption
# says how many of the matching rows are drawn.
MOST_POINTS = 2_000
# Columns the point map's tooltip names besides the place (the table's first few).
TOOLTIP_COLUMNS = 3
COORDINATES = ("latitude", "longitude")
NO_VALUE = "—"
POINT_COLOUR = "#9c1f16"  # the off-track red: 7.0:1 on white, clear on the pale areas
AREA_FILL = "#dce6f0"
CHOSEN_AREA_FILL = "#b9cde0"


def field_title(spec: dict[str, Any]) -> str:
    """Return the column's title from the Table Schema, or its name when it has none."""
    return str(spec.get("title") or spec["name"])


def lowered(text: str) -> str:
    """Lower a title's first letter to set it inside a sentence, unless it starts an
    acronym ("KCPD reports" stays as it is)."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def place_words(spec: dict[str, Any], value: str) -> str:
    """Return an area as a sentence names it: a neighborhood by its name, a numbered
    area with its kind ("council district 3")."""
    if value.isdigit():
        return f"{lowered(field_title(spec))} {value}"
    return value


def plain_heading(dataset: Dataset, conditions: list[dict[str, str]]) -> str:
    """Return the embed's heading in words: "Planned demolitions in North Hyde Park".

    A condition on a column that names an area (it maps onto a boundary layer) says
    where; one on a column with a fixed list of values (a status) qualifies the things;
    any other reads "where <column title> is <value>". The sentence patterns are
    translated, so each language orders the words its own way.
    """
    # The maps (NumPy, Shapely) load when an update is drawn, not with the URLs.
    from citystat.city.maps import layer_for_breakdown  # noqa: PLC0415

    specs = {spec["name"]: spec for spec in dataset.public_fields}
    things = dataset.title
    places: list[str] = []
    others: list[tuple[str, str]] = []
    for condition in conditions:
        spec = specs.get(condition["field"], {"name": condition["field"]})
        if layer_for_breakdown(condition["field"]) is not None:
            places.append(place_words(spec, condition["value"]))
        elif (spec.get("constraints") or {}).get("enum"):
            things = _("%(quality)s %(things)s") % {
                "quality": condition["value"],
                "things": lowered(things),
            }
        else:
            others.append((lowered(field_title(spec)), condition["value"]))
    heading = things
    if places:
        heading = _("%(things)s in %(places)s") % {
            "things": heading,
            "places": get_text_list(places, _("and")),
        }
    for title, value in others:
        heading = _("%(things)s where %(column)s is %(value)s") % {
            "things": heading,
            "column": title,
            "value": value,
        }
    return capfirst(heading)


def number_text(value: float, decimals: int, grouped: bool = True) -> str:
    """Write a number in the reader's language ("15,456.01", "15.456,01").

    The one place this page writes numbers: swap it for the plan's display module
    (citystat/plan/display.py) when that lands.
    """
    return formats.number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=grouped)


def is_identifier(spec: dict[str, Any]) -> bool:
    """Say whether an integer column is an identifier, written without grouping."""
    name = str(spec["name"]).lower()
    return (
        name == "id"
        or name.endswith(("_id", "_number", "_no"))
        or field_title(spec).endswith(" ID")
    )


def cell_text(value: Any, spec: dict[str, Any]) -> str:
    """Return a cell as residents read it, by its column's Table Schema type."""
    if value is None or value == "":
        return NO_VALUE
    kind = spec.get("type", "string")
    if isinstance(value, bool) or kind == "boolean":
        return _("Yes") if value else _("No")
    if kind == "integer" and isinstance(value, int):
        return str(value) if is_identifier(spec) else number_text(value, 0)
    if kind == "number" and isinstance(value, (int, float)):
        return number_text(value, 0 if float(value).is_integer() else 2)
    if isinstance(value, dt.datetime):
        shown = timezone.localtime(value) if timezone.is_aware(value) else value
        return date_filter(shown, pgettext("date format", "j F Y, g:i A"))
    if isinstance(value, dt.date):
        return date_filter(value, pgettext("date format", "j F Y"))
    return str(value)


@dataclass
class NewsTable:
    """The rows of the embed as the page shows them: titled columns, written cells."""

    titles: list[str] = field(default_factory=list)
    # Each cell with its column's title, which a phone shows before it (data-label).
    rows: list[list[tuple[str, str]]] = field(default_factory=list)


def news_table(embed: DatasetEmbed, leave_out: tuple[str, ...] = ()) -> NewsTable:
    """Return the embed's rows with column titles and written cells, minus `leave_out`."""
    specs = {spec["name"]: spec for spec in embed.dataset.public_fields}
    kept = [i for i, name in enumerate(embed.columns) if name not in leave_out]
    table = NewsTable(titles=[field_title(specs[embed.columns[i]]) for i in kept])
    for row in embed.rows:
        cells = [cell_text(row[i], specs[embed.columns[i]]) for i in kept]
        table.rows.append(list(zip(table.titles, cells, strict=True)))
    return table


def has_points(dataset: Dataset) -> bool:
    # The exports (DuckDB) load when an update is drawn, not with the URLs.
    from citystat.catalog.exports import has_points as dataset_has_points  # noqa: PLC0415

    return dataset_has_points(dataset)


@dataclass
class NewsMap:
    spec: dict[str, Any]
    caption: str
    counts: list[tuple[str, int]] = field(default_factory=list)  # by area, for area maps


def points_caption(drawn: int, located: int, total: int) -> str:
    """Say how many matching rows the map draws, and how many it cannot (no location)."""
    if drawn < located:
        caption = _(
            "The first %(drawn)s of the %(located)s matching rows with a location, one dot each."
        ) % {
            "drawn": number_text(drawn, 0),
            "located": number_text(located, 0),
        }
    else:
        caption = ngettext(
            "%(n)s matching row with a location, one dot.",
            "%(n)s matching rows with a location, one dot each.",
            located,
        ) % {"n": number_text(located, 0)}
    missing = total - located
    if missing > 0:
        caption += " " + ngettext(
            "%(n)s has no location and is only in the table.",
            "%(n)s have no location and are only in the table.",
            missing,
        ) % {"n": number_text(missing, 0)}
    return caption


def matching_points(
    dataset: Dataset, conditions: list[dict[str, str]], tooltip: list[str]
) -> tuple[list[dict[str, Any]], int]:
    """Return the first MOST_POINTS matching rows that have a location, as map points
    carrying the `tooltip` columns written out, and how many matching rows have one."""
    # The warehouse (Ibis) loads when an update is drawn, not with the URLs.
    from citystat.catalog.engines import open_session  # noqa: PLC0415

    specs = {spec["name"]: spec for spec in dataset.public_fields}
    with open_session() as session:
        found = matching(session.table(dataset.slug), conditions)
        located = found.filter(*[found[name].notnull() for name in COORDINATES])
        located_total = int(session.backend.to_pyarrow(located.count()).as_py() or 0)
        chosen = (
            located.select("longitude", "latitude", *tooltip)
            .order_by(row_order(dataset, located))
            .limit(MOST_POINTS)
        )
        rows = [tuple(row.values()) for row in session.backend.to_pyarrow(chosen).to_pylist()]
    points = []
    for longitude, latitude, *cells in rows:
        point: dict[str, Any] = {"longitude": float(longitude), "latitude": float(latitude)}
        for index, (name, cell) in enumerate(zip(tooltip, cells, strict=True)):
            point[f"c{index}"] = cell_text(cell, specs[name])
        points.append(point)
    return points, located_total


def area_layer(dataset: Dataset, conditions: list[dict[str, str]]) -> tuple[str | None, set[str]]:
    """Return the boundary layer to draw under the points and the areas the filter names
    on it; with no area in the filter, the layer of the dataset's first area column."""
    # The maps (NumPy, Shapely) load when an update is drawn, not with the URLs.
    from citystat.city.maps import layer_for_breakdown  # noqa: PLC0415

    for condition in conditions:
        layer = layer_for_breakdown(condition["field"])
        if layer is not None:
            chosen = {c["value"] for c in conditions if c["field"] == condition["field"]}
            return layer, chosen
    for spec in dataset.public_fields:
        layer = layer_for_breakdown(spec["name"])
        if layer is not None:
            return layer, set()
    return None, set()


def point_map(embed: DatasetEmbed, heading: str) -> NewsMap | None:
    """Return one map: the filter's areas (or the whole layer) with a dot per matching row.

    The projection fits what is drawn, so a filter on one neighborhood shows that
    neighborhood, not the whole city with a cluster in a corner. None when no matching
    row has a location: an empty map would say nothing.
    """
    # The maps (NumPy, Shapely) load when an update is drawn, not with the URLs.
    from citystat.city.maps import OUTLINE, layer_features, map_spec  # noqa: PLC0415

    dataset, conditions = embed.dataset, embed.conditions
    tooltip = [name for name in embed.columns if name not in COORDINATES][:TOOLTIP_COLUMNS]
    specs = {spec["name"]: spec for spec in dataset.public_fields}
    points, located_total = matching_points(dataset, conditions, tooltip)
    if located_total == 0:
        return None
    spec = map_spec(_("Map: %(heading)s, one dot per row.") % {"heading": heading})
    layers: list[dict[str, Any]] = []
    layer_slug, chosen = area_layer(dataset, conditions)
    if layer_slug is not None:
        _layer, features = layer_features(layer_slug)
        picked = [
            f for f in features if {f["properties"]["name"], f["properties"].get("id")} & chosen
        ]
        layers.append(
            {
                "data": {"values": picked or features, "format": {"type": "json"}},
                "mark": {
                    "type": "geoshape",
                    "fill": CHOSEN_AREA_FILL if picked else AREA_FILL,
                    "stroke": OUTLINE,
                    "strokeWidth": 0.8,
                },
                "encoding": {
                    "tooltip": [{"field": "properties.name", "type": "nominal", "title": _("Area")}]
                },
            }
        )
    layers.append(
        {
            "data": {"values": points},
            "mark": {
                "type": "circle",
                "size": 60,
                "color": POINT_COLOUR,
                "opacity": 0.85,
                "stroke": "#ffffff",
                "strokeWidth": 1,
            },
            "encoding": {
                "longitude": {"field": "longitude", "type": "quantitative"},
                "latitude": {"field": "latitude", "type": "quantitative"},
                "tooltip": [
                    {"field": f"c{i}", "type": "nominal", "title": field_title(specs[name])}
                    for i, name in enumerate(tooltip)
                ],
            },
        }
    )
    spec["layer"] = layers
    return NewsMap(spec=spec, caption=points_caption(len(points), located_total, embed.total))


def news_map(embed: DatasetEmbed, heading: str) -> NewsMap | None:
    """Return the update's one map: dots where rows have a location, else the matching
    rows counted by area on the first area layer the dataset maps onto, else none."""
    # The maps (NumPy, Shapely) load when an update is drawn, not with the URLs.
    from citystat.city.maps import choropleth  # noqa: PLC0415

    if embed.total == 0:
        return None
    if has_points(embed.dataset):
        drawn = point_map(embed, heading)
        if drawn is not None:
            return drawn
    for layer_slug, counts in embed.by_area.items():
        if counts:
            spec = choropleth(layer_slug, counts, title=heading, value_format=",.0f")
            listed = sorted((name, int(count or 0)) for name, count in counts.items())
            caption = ngettext(
                "%(n)s matching row, counted by area; the table below has the numbers.",
                "%(n)s matching rows, counted by area; the table below has the numbers.",
                embed.total,
            ) % {"n": number_text(embed.total, 0)}
            return NewsMap(spec=spec, caption=caption, counts=listed)
    return None
