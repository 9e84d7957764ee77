"""The places residents live in: neighborhoods and council districts, by name and URL.

A place is one area of a boundary layer (citystat.city.models.BoundaryLayer). Which
layer holds neighborhoods and which council districts is read from the layer's slug, so
a city's `city.yaml` only has to name its layers plainly (`neighborhoods`,
`council-districts`); the public place pages (citystat/public/places.py) and every app
that links to a place go through `area_url`.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Literal

from django.core.cache import cache
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _

from citystat.city.models import BoundaryLayer

PlaceKind = Literal["neighborhood", "district"]
KINDS: tuple[PlaceKind, ...] = ("neighborhood", "district")
CACHE_SECONDS = 24 * 60 * 60
# The URL name of each kind's page (citystat/public/urls.py).
PAGE_URL_NAMES: dict[PlaceKind, str] = {
    "neighborhood": "neighborhood",
    "district": "district",
}


@dataclass(frozen=True)
class Place:
    kind: PlaceKind
    layer_slug: str
    name: str  # the area's name as the boundary file spells it
    # The area's id when its layer has an id_property (a neighborhood number): datasets
    # may name the area by either, and every join tries both (`values`).
    area_id: str = ""

    @property
    def values(self) -> tuple[str, ...]:
        """Return what a dataset's area column may hold for this place: its name, its id."""
        return (self.name, self.area_id) if self.area_id else (self.name,)

    @property
    def slug(self) -> str:
        return place_slug(self.name)

    @property
    def label(self) -> str:
        """Return the name residents read: "District 3" for a numbered district."""
        if self.kind == "district" and self.name.isdigit():
            return _("District %(number)s") % {"number": self.name}
        return self.name

    def get_absolute_url(self) -> str:
        return reverse(PAGE_URL_NAMES[self.kind], args=[self.slug])


def place_slug(name: str) -> str:
    """Return the URL slug of an area name: "Broadway Gillham" → "broadway-gillham"."""
    return slugify(name) or "area"


def kind_of_layer(layer_slug: str) -> PlaceKind | None:
    """Say which kind of place a boundary layer holds, judging by its slug."""
    if "neighborhood" in layer_slug or "neighbourhood" in layer_slug:
        return "neighborhood"
    if "district" in layer_slug or "ward" in layer_slug:
        return "district"
    return None


def layer_slug_for(kind: PlaceKind) -> str | None:
    """Return the slug of the boundary layer holding places of `kind`, first by slug."""
    slugs = BoundaryLayer.objects.order_by("slug").values_list("slug", flat=True)
    return next((slug for slug in slugs if kind_of_layer(slug) == kind), None)


def places(kind: PlaceKind) -> list[Place]:
    """Return every place of `kind`, ordered as residents look for them."""
    layer_slug = layer_slug_for(kind)
    if layer_slug is None:
        return []
    return [Place(kind, layer_slug, name, area_id) for name, area_id in areas(layer_slug)]


def area_names(layer_slug: str) -> list[str]:
    """Return the layer's area names in reading order."""
    return [name for name, _area_id in areas(layer_slug)]


def areas(layer_slug: str) -> list[tuple[str, str]]:
    """Return the layer's (area name, id) pairs in reading order, cached until it changes.

    Reading them means parsing the layer's GeoJSON (a megabyte for a few hundred
    neighborhoods), which every place page and search would otherwise repeat.
    """
    updated_at = (
        BoundaryLayer.objects.filter(slug=layer_slug).values_list("updated_at", flat=True).first()
    )
    key = f"citystat:areas:{layer_slug}:{updated_at.isoformat() if updated_at else ''}"
    pairs = cache.get(key)
    if pairs is None:
        layer = BoundaryLayer.objects.filter(slug=layer_slug).first()
        found = layer.area_ids() if layer else {}
        numbered = bool(found) and all(name.isdigit() for name in found)
        ordered = sorted(found, key=lambda n: (len(n), n) if numbered else (0, n.casefold()))
        pairs = [(name, found[name]) for name in ordered]
        cache.set(key, pairs, CACHE_SECONDS)
    return list(pairs)


def find_place(kind: PlaceKind, slug: str) -> Place | None:
    """Return the place of `kind` whose slug is `slug`, or None."""
    return next((place for place in places(kind) if place.slug == slug), None)


def place_for_value(kind: PlaceKind, value: str) -> Place | None:
    """Return the place a dataset's area value names, by its name or else by its id.

    None for a value that is no area of the layer, such as "(not recorded)" or a stray
    geocode: such a value is never linked to a page.
    """
    text = str(value).strip()
    found = places(kind)
    return next((p for p in found if p.name == text), None) or next(
        (p for p in found if p.area_id and p.area_id == text), None
    )


def matching_places(kind: PlaceKind, text: str, limit: int = 50) -> list[Place]:
    """Return the places whose name contains `text` (case and accents aside), best first.

    A name starting with the text ranks before one containing it elsewhere, so typing
    "north" lists "North Park" before "Far North".
    """
    wanted = fold(text)
    if not wanted:
        return places(kind)[:limit]
    starts, contains = [], []
    for place in places(kind):
        folded = fold(place.name) + " " + fold(place.label)
        if folded.startswith(wanted) or f" {wanted}" in folded:
            starts.append(place)
        elif wanted in folded:
            contains.append(place)
    return (starts + contains)[:limit]


def close_matches(kind: PlaceKind, text: str, limit: int = 5) -> list[Place]:
    """Return the places whose names look most like `text`, for "did you mean" lists."""
    by_key = {fold(place.name): place for place in places(kind)}
    by_key.update({place.slug: place for place in places(kind)})
    keys = difflib.get_close_matches(fold(text.replace("-", " ")), list(by_key), limit * 2, 0.5)
    found: list[Place] = []
    for key in keys:
        if by_key[key] not in found:
            found.append(by_key[key])
    return found[:limit]


def fold(text: str) -> str:
    """Return `text` lowercased, accents and punctuation dropped, spaces collapsed."""
    return slugify(text).replace("-", " ")


def area_url(layer_kind: str, area_name: str) -> str:
    """Return the page of an area, given its kind (or layer slug) and its name.

    `layer_kind` is "neighborhood", "district" or a boundary layer's slug such as
    "council-districts", so a choropleth built from a layer can link each shape.
    """
    kind: PlaceKind | None = (
        layer_kind if layer_kind in KINDS else kind_of_layer(layer_kind)  # type: ignore[assignment]
    )
    if kind is None:
        raise ValueError(f"{layer_kind!r} is neither a kind of place nor a place layer's slug")
    return reverse(PAGE_URL_NAMES[kind], args=[place_slug(str(area_name))])
