"""Near me: a resident finds their neighborhood and council district.

Three ways in, one answer: a tap on the map, the phone's location, or an address that
appears in a dataset configured as an address source (citystat.catalog.places_data).
Each ends as a point looked up on the server (citystat.city.lookup). Without JavaScript
the map's areas are plain links to their pages. The view is in
citystat/public/views/places.py; the answers are worked out here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from citystat.catalog.places_data import ADDRESS_LENGTH, AddressMatch, find_address
from citystat.city import svg_maps
from citystat.city.lookup import places_at
from citystat.city.places import Place, PlaceKind, layer_slug_for

HOW = ("map", "location", "address")


@dataclass
class NearMe:
    latitude: float
    longitude: float
    how: str
    places: dict[PlaceKind, Place | None]
    address: AddressMatch | None = None

    @property
    def found(self) -> bool:
        return any(self.places.values())


def by_address(typed: str) -> tuple[NearMe | None, str]:
    if not typed:
        return None, _("Type a street address, such as the one on a letter from the city.")
    if len(typed) > ADDRESS_LENGTH:
        return None, _("An address is at most %(count)s characters.") % {"count": ADDRESS_LENGTH}
    match = find_address(typed)
    if match is None:
        return None, _(
            "No address “%(address)s” was found in the city's data. Check the spelling, or "
            "choose your place on the map."
        ) % {"address": typed}
    answer = NearMe(
        match.latitude,
        match.longitude,
        "address",
        places_at(match.latitude, match.longitude),
        match,
    )
    if not answer.found:
        return answer, _(
            "That address lies outside every neighborhood and council district of the city."
        )
    return answer, ""


def city_map(answer: NearMe | None) -> svg_maps.SvgMap | None:
    """Return the map to tap: neighborhoods when the city has them, else its districts."""
    for kind in ("neighborhood", "district"):
        layer_slug = layer_slug_for(kind)  # type: ignore[arg-type]
        if layer_slug is None:
            continue
        chosen = answer.places.get(kind) if answer else None  # type: ignore[call-overload]
        found = svg_maps.layer_map(layer_slug, selected=[chosen.name] if chosen else [])
        if found is not None:
            if answer is not None:
                svg_maps.mark(found, answer.latitude, answer.longitude)
            return found
    return None
