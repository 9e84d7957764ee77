"""Kansas City's real boundaries and pools of synthetic addressed points inside them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import shapely

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
NEIGHBORHOODS_FILE = DATA_DIR / "kc_neighborhoods.geojson"
DISTRICTS_FILE = DATA_DIR / "kcmo_council_districts.geojson"

# Share of points that fall in the shipped file's unnamed polygons, which leaves their
# NEIGHBORHOOD empty the way about 2-3% of real Kansas City 311 rows are.
UNNAMED_SHARE = 0.03
COORDINATE = pa.decimal128(9, 6)

# Approximate centroids of Kansas City, MO ZIP codes; each point takes the nearest one.
ZIP_CENTROIDS = {
    64101: (39.102, -94.598), 64102: (39.094, -94.603), 64105: (39.104, -94.585),
    64106: (39.105, -94.570), 64108: (39.085, -94.584), 64109: (39.067, -94.567),
    64110: (39.035, -94.573), 64111: (39.056, -94.593), 64112: (39.037, -94.594),
    64113: (39.012, -94.594), 64114: (38.962, -94.596), 64116: (39.146, -94.576),
    64117: (39.165, -94.528), 64118: (39.215, -94.569), 64119: (39.200, -94.520),
    64120: (39.128, -94.520), 64123: (39.114, -94.523), 64124: (39.107, -94.540),
    64125: (39.104, -94.493), 64126: (39.092, -94.495), 64127: (39.089, -94.537),
    64128: (39.066, -94.539), 64129: (39.048, -94.495), 64130: (39.034, -94.543),
    64131: (38.972, -94.576), 64132: (38.990, -94.551), 64133: (39.010, -94.460),
    64134: (38.927, -94.501), 64136: (39.016, -94.400), 64137: (38.931, -94.540),
    64138: (38.960, -94.470), 64139: (38.965, -94.408), 64145: (38.868, -94.596),
    64146: (38.887, -94.570), 64147: (38.862, -94.537), 64149: (38.868, -94.459),
    64151: (39.214, -94.632), 64152: (39.210, -94.690), 64153: (39.272, -94.700),
    64154: (39.254, -94.640), 64155: (39.276, -94.570), 64156: (39.289, -94.522),
    64157: (39.276, -94.463), 64158: (39.232, -94.478), 64161: (39.160, -94.450),
    64163: (39.340, -94.690), 64164: (39.340, -94.640), 64165: (39.320, -94.580),
    64166: (39.330, -94.520), 64167: (39.320, -94.470),
}  # fmt: skip

# Kansas City's street grid: numbered streets run east-west and count southward from the
# river at about this latitude, one every ~0.00179 degrees (39th St sits near 39.057);
# house numbers count east or west of Main St, about 100 per 0.0012 degrees of longitude.
STREET_ZERO_LATITUDE = 39.127
DEGREES_PER_STREET = 0.00179
MAIN_STREET_LONGITUDE = -94.585
DEGREES_PER_HOUSE_NUMBER = 0.0000121
NORTH_OF_RIVER_LATITUDE = 39.12
# North-south avenues by house number east (+) or west (-) of Main St.
AVENUES = [
    (-1800, "State Line Rd"), (-1200, "Belleview Ave"), (-800, "Ward Pkwy"),
    (-400, "Wornall Rd"), (0, "Main St"), (200, "Oak St"), (600, "Rockhill Rd"),
    (1000, "Troost Ave"), (1600, "The Paseo"), (2000, "Woodland Ave"), (2400, "Prospect Ave"),
    (3000, "Indiana Ave"), (3200, "Benton Blvd"), (3600, "Jackson Ave"),
    (4000, "Cleveland Ave"), (4300, "Elmwood Ave"), (5000, "Hardesty Ave"),
    (5600, "Blue Ridge Blvd"), (6400, "Sni-A-Bar Rd"), (7600, "Blue Pkwy"),
    (9000, "Hillcrest Rd"), (10400, "Blue Ridge Cutoff"), (12000, "Noland Rd"),
]  # fmt: skip


@dataclass
class PointPool:
    """Pre-placed points, grouped by neighborhood, that rows sample by index."""

    neighborhood: np.ndarray  # index into Geography.names; -1 for unnamed areas
    district: np.ndarray  # council district 1..6
    longitude: np.ndarray
    latitude: np.ndarray
    offsets: np.ndarray  # first pool index of each area (named ones, then unnamed ones)
    sizes: np.ndarray
    area_weights: np.ndarray  # chance that a row falls in each area
    area_names: list[str]  # "" for unnamed areas
    columns: dict[str, pa.Array]  # preformatted text columns, one value per pool point


@dataclass
class Geography:
    """The city's neighborhoods and council districts, loaded once per run."""

    names: list[str]
    neighborhoods: list[shapely.Geometry]
    districts: dict[int, shapely.Geometry]
    pool: PointPool


def read_features(path: Path) -> list[dict[str, Any]]:
    return json.loads(path.read_text(encoding="utf-8"))["features"]


def police_district(latitude: np.ndarray, longitude: np.ndarray) -> np.ndarray:
    """Return Kansas City police patrol division names for points, by broad geography."""
    north = latitude > NORTH_OF_RIVER_LATITUDE
    return np.select(
        [
            north & (longitude < -94.575),
            north,
            (latitude > 39.03) & (longitude < -94.555),
            latitude > 39.03,
            latitude > 38.95,
        ],
        ["North", "Shoal Creek", "Central", "East", "Metro"],
        default="South",
    )


def nearest_zip(latitude: np.ndarray, longitude: np.ndarray) -> np.ndarray:
    codes = np.array(list(ZIP_CENTROIDS))
    centers = np.array(list(ZIP_CENTROIDS.values()))
    best = np.zeros(len(latitude), dtype=np.int64)
    best_distance = np.full(len(latitude), np.inf)
    for index, (center_lat, center_lon) in enumerate(centers):
        distance = (latitude - center_lat) ** 2 + ((longitude - center_lon) * 0.78) ** 2
        closer = distance < best_distance
        best[closer] = index
        best_distance[closer] = distance[closer]
    return codes[best]


def ordinal(number: int) -> str:
    if 10 <= number % 100 <= 20:
        return f"{number}th"
    return f"{number}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(number % 10, 'th') }"


def street_addresses(
    latitude: np.ndarray, longitude: np.ndarray, rng: np.random.Generator
) -> pa.Array:
    """Return a plausible grid address per point, such as `4900 E 63rd St`."""
    street = np.rint((STREET_ZERO_LATITUDE - latitude) / DEGREES_PER_STREET).astype(np.int64)
    north = latitude > NORTH_OF_RIVER_LATITUDE
    north_street = np.rint((latitude - NORTH_OF_RIVER_LATITUDE) / DEGREES_PER_STREET + 20)
    street = np.where(north, north_street.astype(np.int64), np.maximum(street, 1))
    east_number = (longitude - MAIN_STREET_LONGITUDE) / DEGREES_PER_HOUSE_NUMBER
    block = np.abs(np.rint(east_number / 100).astype(np.int64)) * 100
    # An odd or even house number within the block; the pool keeps it stable per point.
    house = block + rng.integers(0, 50, len(latitude)) * 2 + rng.integers(0, 2, len(latitude))
    house = np.maximum(house, 1)
    ordinals = np.array([ordinal(number) for number in range(0, 200)])
    direction = np.where(
        north,
        np.where(east_number >= 0, "NE", "NW"),
        np.where(east_number >= 0, "E", "W"),
    )
    on_street = pc.binary_join_element_wise(
        pa.array(house.astype(str)),
        pa.array(direction),
        pa.array(ordinals[np.clip(street, 0, 199)]),
        pa.array(np.full(len(house), "St")),
        " ",
    )
    # Points on a north-south avenue get the numbered street's hundred block instead.
    avenue_positions = np.array([position for position, _ in AVENUES])
    avenue_names = np.array([name for _, name in AVENUES])
    signed = np.where(east_number >= 0, 1, -1) * block
    nearest = np.abs(signed[:, None] - avenue_positions[None, :]).argmin(axis=1)
    avenue_house = street * 100 + rng.integers(0, 50, len(latitude)) * 2
    on_avenue = pc.binary_join_element_wise(
        pa.array(np.maximum(avenue_house, 100).astype(str)), pa.array(avenue_names[nearest]), " "
    )
    use_avenue = pa.array((rng.random(len(latitude)) < 0.45) & ~north)
    return pc.if_else(use_avenue, on_avenue, on_street)


def sample_inside(
    geometry: shapely.Geometry, count: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Return `count` points strictly inside `geometry`, rounded to 6 decimals."""
    shapely.prepare(geometry)
    min_x, min_y, max_x, max_y = geometry.bounds
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    found = 0
    while found < count:
        x = np.round(rng.uniform(min_x, max_x, count * 2), 6)
        y = np.round(rng.uniform(min_y, max_y, count * 2), 6)
        # The check runs on the rounded values so the printed 6-decimal point is inside too.
        inside = shapely.contains_xy(geometry, x, y)
        xs.append(x[inside])
        ys.append(y[inside])
        found += int(inside.sum())
    return np.concatenate(xs)[:count], np.concatenate(ys)[:count]


def load_geography(seed: int, points_per_area: int = 2000) -> Geography:
    """Read the shipped boundaries and place a pool of addressed points in every area."""
    rng = np.random.default_rng([seed, 1])
    features = read_features(NEIGHBORHOODS_FILE)
    named = [f for f in features if f["properties"].get("nbhname")]
    unnamed = [f for f in features if not f["properties"].get("nbhname")]
    names = [f["properties"]["nbhname"] for f in named]
    shapes = [shapely.make_valid(shapely.geometry.shape(f["geometry"])) for f in named + unnamed]
    districts = {
        int(f["properties"]["dist_id"]): shapely.make_valid(shapely.geometry.shape(f["geometry"]))
        for f in read_features(DISTRICTS_FILE)
    }
    for geometry in districts.values():
        shapely.prepare(geometry)

    area_index, lons, lats, district_of = [], [], [], []
    for index, geometry in enumerate(shapes):
        x, y = sample_inside(geometry, points_per_area, rng)
        district = np.zeros(len(x), dtype=np.int64)
        for number, polygon in districts.items():
            district[(district == 0) & shapely.contains_xy(polygon, x, y)] = number
        # Points outside every council district are outside Kansas City proper: drop them.
        keep = district > 0
        area_index.append(np.full(int(keep.sum()), index))
        lons.append(x[keep])
        lats.append(y[keep])
        district_of.append(district[keep])
    sizes = np.array([len(part) for part in area_index])
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    areas = np.array([geometry.area for geometry in shapes]) * (sizes > 0)
    named_count = len(named)
    weights = np.concatenate(
        [
            areas[:named_count] / areas[:named_count].sum() * (1 - UNNAMED_SHARE),
            areas[named_count:] / areas[named_count:].sum() * UNNAMED_SHARE,
        ]
    )
    all_area = np.concatenate(area_index)
    longitude = np.concatenate(lons)
    latitude = np.concatenate(lats)
    district = np.concatenate(district_of)
    neighborhood = np.where(all_area < named_count, all_area, -1)
    name_array = pa.array(names + [None] * len(unnamed), pa.string())
    columns = {
        "STREET ADDRESS": street_addresses(latitude, longitude, rng),
        "ZIP CODE": pa.array(nearest_zip(latitude, longitude), pa.int32()),
        "NEIGHBORHOOD": name_array.take(pa.array(all_area)),
        "COUNCIL DISTRICT": pa.array(district, pa.int8()),
        "POLICE DISTRICT": pa.array(police_district(latitude, longitude)),
        # Decimals print with exactly 6 places and, unlike strings, without quotes.
        "LATITUDE": pa.array(np.char.mod("%.6f", latitude)).cast(COORDINATE),
        "LONGITUDE": pa.array(np.char.mod("%.6f", longitude)).cast(COORDINATE),
    }
    pool = PointPool(
        neighborhood=neighborhood,
        district=district,
        longitude=longitude,
        latitude=latitude,
        offsets=offsets,
        sizes=sizes,
        area_weights=weights,
        area_names=names + [""] * len(unnamed),
        columns=columns,
    )
    return Geography(
        names=names, neighborhoods=shapes[:named_count], districts=districts, pool=pool
    )


def sample_points(pool: PointPool, count: int, rng: np.random.Generator) -> np.ndarray:
    """Return pool indices for `count` rows, areas chosen by their weights."""
    area = np.searchsorted(
        np.cumsum(pool.area_weights), rng.random(count) * pool.area_weights.sum()
    )
    area = np.minimum(area, len(pool.sizes) - 1)
    return pool.offsets[area] + (rng.random(count) * pool.sizes[area]).astype(np.int64)


def write_boundaries(out_dir: Path) -> dict[str, int]:
    """Write the neighborhood and council district GeoJSON files and return feature counts."""
    districts = json.loads(DISTRICTS_FILE.read_text(encoding="utf-8"))
    (out_dir / "council_districts.geojson").write_bytes(DISTRICTS_FILE.read_bytes())
    neighborhoods = json.loads(NEIGHBORHOODS_FILE.read_text(encoding="utf-8"))
    # The shipped file has six unnamed "no neighborhood" polygons; `citystat city --from`
    # rejects features without a name, so the written layer keeps the named ones only.
    neighborhoods["features"] = [
        f for f in neighborhoods["features"] if f["properties"].get("nbhname")
    ]
    (out_dir / "neighborhoods.geojson").write_text(
        json.dumps(neighborhoods, separators=(",", ":")), encoding="utf-8"
    )
    return {
        "neighborhoods.geojson": len(neighborhoods["features"]),
        "council_districts.geojson": len(districts["features"]),
    }
