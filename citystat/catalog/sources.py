"""Where a load reads from: local files, http(s) URLs, GeoJSON and Socrata portals.

Each source becomes a local file and the DuckDB table function that reads it as text.
URLs are fetched through citystat/catalog/fetch.py, which refuses addresses inside the
city's network. A source stored on a dataset (typed on the staff form, loaded by `citystat
refresh`) is checked by `check_stored_source()`: a file must lie in a source folder.
"""

from __future__ import annotations

import csv
import json
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from django.conf import settings

from citystat.catalog.fetch import SourceError, SourceRefused, Unresolvable, check_url, open_url

__all__ = ["SourceError", "SourceRefused", "Source", "check_stored_source", "open_source"]

SOCRATA_SCHEMES = {"socrata": "https", "socrata+http": "http"}
# SODA 2.0 endpoints refuse a $limit above 50,000.
SOCRATA_PAGE_SIZE = 50_000
CSV_SUFFIXES = {".csv", ".tsv", ".txt", ".tab"}
JSON_SUFFIXES = {".json", ".ndjson", ".jsonl"}
ENCODINGS = ("utf-8", "utf-16", "latin-1")
DELIMITERS = [",", "\t", ";", "|"]
# How much of a CSV file the delimiter is guessed from: a few lines of any normal file,
# and a bound on the sniffer's work for a header of 50,000 columns.
SNIFF_CHARACTERS = 64 * 1024


@dataclass
class Source:
    """A local file ready for DuckDB, and how people should hear it named."""

    label: str
    path: Path
    kind: str
    encoding: str = "utf-8"
    columns: list[str] = field(default_factory=list)
    delimiter: str = ","

    @property
    def reader(self) -> str:
        """Return a FROM clause (with `parameters`) that yields every column as text."""
        if self.kind == "csv":
            # The dialect and header come from read_csv_header(), not DuckDB's sniffer: the
            # sniffer would quietly read a truncated or badly quoted file as one column,
            # where a fixed dialect in strict mode names the line at fault.
            return (
                "read_csv(?, auto_detect = false, header = true, strict_mode = true, "
                "delim = ?, quote = '\"', escape = '\"', encoding = ?, columns = ?)"
            )
        if self.kind == "parquet":
            return "(select columns(*)::varchar from read_parquet(?))"
        return (
            "(select columns(*)::varchar from "
            "read_json(?, format = 'auto', sample_size = -1, maximum_object_size = 67108864))"
        )

    @property
    def reader_parameters(self) -> list[Any]:
        if self.kind == "csv":
            columns = {name: "VARCHAR" for name in self.columns}
            return [str(self.path), self.delimiter, self.encoding, columns]
        return [str(self.path)]


@contextmanager
def fetched(source: str) -> Iterator[Path]:
    """Yield `source` as a local path, downloading a URL or Socrata dataset into a temp folder.

    A local path is yielded as it is; open_source() says if it is missing.
    """
    scheme = source.split("://", 1)[0] if "://" in source else ""
    if not scheme:
        yield Path(source).expanduser()
        return
    if scheme not in SOCRATA_SCHEMES and scheme not in ("http", "https"):
        raise SourceError(
            f"{source}: cannot read {scheme}:// sources; give a file path, an http(s) "
            "URL or socrata://HOST/ABCD-1234."
        )
    with TemporaryDirectory(prefix="citystat-download-") as folder:
        if scheme in SOCRATA_SCHEMES:
            yield download_socrata(source, Path(folder) / "socrata.ndjson")
        else:
            yield download(source, Path(folder))


@contextmanager
def open_source(
    source: str, encoding: str = "utf-8", local: Path | None = None
) -> Iterator[Source]:
    """Yield `source` as a local Source, downloading or converting it into a temp folder.

    `local` is the file fetched() already made of `source`, when the caller fetched it first.
    """
    if encoding not in ENCODINGS:
        raise SourceError(f"encoding {encoding!r} is not one of {', '.join(ENCODINGS)}.")
    with ExitStack() as stack:
        path = local or stack.enter_context(fetched(source))
        if "://" not in source and not path.is_file():
            raise SourceError(f"{source}: no such file.")
        work = Path(stack.enter_context(TemporaryDirectory(prefix="citystat-source-")))
        kind = kind_of(path, source)
        if kind == "geojson":
            path, kind = geojson_to_ndjson(path, work / "features.ndjson", source), "json"
        opened = Source(label=source, path=path, kind=kind, encoding=encoding)
        if kind == "csv":
            opened.columns, opened.delimiter = read_csv_header(path, encoding, source)
        yield opened


def source_folders() -> list[Path]:
    return [Path(folder).expanduser().resolve() for folder in settings.CITYSTAT_SOURCE_FOLDERS]


def check_stored_source(source: str, slug: str = "") -> str:
    """Return what a dataset's stored `source` reads (a checked URL, or a resolved path).

    Raises SourceRefused for a URL that reaches a non-public address and for a file outside
    `CITYSTAT_SOURCE_FOLDERS` and outside dataset `slug`'s own uploads; a relative path is
    taken inside the first folder. A host that does not resolve yet is let through: the
    download checks every address again. Paths given to `citystat ingest` are the
    operator's own and are not checked here.
    """
    scheme = source.split("://", 1)[0] if "://" in source else ""
    if scheme:
        url = socrata_resource_url(source) if scheme in SOCRATA_SCHEMES else source
        with suppress(Unresolvable):
            check_url(url)
        return source
    folders = source_folders()
    if folders and slug:
        # Publishing an upload makes its file the dataset's source (catalog.versions), so
        # "load now" may read it again; other datasets' uploads stay out of reach.
        folders.append((Path(settings.MEDIA_ROOT) / "uploads" / slug).resolve())
    if not folders:
        raise SourceRefused(
            f"{source}: file sources are switched off (CITYSTAT_SOURCE_FOLDERS is empty); "
            "give an http(s) URL, or upload the file."
        )
    given = Path(source).expanduser()
    # resolve() follows every symlink and `..`, so what is compared is where the file is.
    resolved = (given if given.is_absolute() else folders[0] / given).resolve()
    if not any(resolved.is_relative_to(folder) for folder in folders):
        raise SourceRefused(
            f"{source}: is outside the source folders ({', '.join(map(str, folders))}); a "
            "dataset's file source must lie in one of them (CITYSTAT_SOURCE_FOLDERS). Copy "
            "the file there, or load it once with `citystat ingest SLUG FILE`."
        )
    return str(resolved)


def read_csv_header(path: Path, encoding: str, label: str) -> tuple[list[str], str]:
    """Return the header's column names and the delimiter, from the file's first record."""
    python_encoding = "utf-8-sig" if encoding == "utf-8" else encoding
    try:
        with path.open(encoding=python_encoding, newline="") as handle:
            delimiter = guess_delimiter(handle.read(SNIFF_CHARACTERS))
            handle.seek(0)
            header = next(csv.reader(handle, delimiter=delimiter), [])
    except UnicodeDecodeError as error:
        raise SourceError(
            f"{label}: is not {encoding.upper()} text ({error.reason} at byte {error.start}). "
            "Nothing was loaded; save it as UTF-8, or pass --encoding latin-1 (or utf-16) "
            "for what it is."
        ) from None
    except csv.Error as error:
        raise SourceError(f"{label}, line 1: the header cannot be read ({error}).") from None
    if not any(name.strip() for name in header):
        raise SourceError(
            f"{label}: is empty or has no header line; the first line must name the columns."
        )
    repeated = sorted(name for name, count in Counter(header).items() if count > 1)
    if repeated:
        raise SourceError(
            f"{label}, line 1 (the header): {len(repeated)} column name(s) appear more than "
            f"once ({few_names(repeated)}); rename them so each column has its own name."
        )
    return header, delimiter


def guess_delimiter(sample: str) -> str:
    """Return the sample's delimiter: csv.Sniffer's, which reads quoted fields, else the
    separator the first line holds most of (a one-column file sniffs as nothing)."""
    try:
        return csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        first_line = sample.split("\n", 1)[0]
        return max(DELIMITERS, key=first_line.count)


def few_names(names: list[str], shown: int = 5, longest: int = 40) -> str:
    """Return up to `shown` names, each cut to `longest` characters, and how many more.

    A file may have 50,000 columns with names of any length; a message that names them
    all is a line of hundreds of kilobytes that no one can read (#16, Low 10).
    """
    quoted = [repr(name if len(name) <= longest else name[:longest] + "…") for name in names]
    more = len(names) - shown
    return ", ".join(quoted[:shown]) + (f" and {more:,} more" if more > 0 else "")


def kind_of(path: Path, label: str) -> str:
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return "csv"
    if suffix == ".parquet":
        return "parquet"
    if suffix == ".geojson":
        return "geojson"
    if suffix in JSON_SUFFIXES:
        return "json"
    raise SourceError(
        f"{label}: cannot tell the format from {suffix or 'a missing extension'!r}; "
        "expected .csv, .tsv, .parquet, .json, .ndjson or .geojson."
    )


def download(url: str, folder: Path) -> Path:
    """Download `url` into `folder`, named after the last address it was redirected to."""
    try:
        with open_url(url, timeout=60) as response:
            name = Path(urllib.parse.urlsplit(response.url or url).path).name
            target = folder / (name if name not in ("", ".", "..") else "download.csv")
            with target.open("wb") as out:
                while chunk := response.read(1 << 20):
                    out.write(chunk)
    except OSError as error:
        raise SourceError(f"{url}: could not be downloaded ({error}).") from None
    return target


def socrata_resource_url(source: str) -> str:
    """Turn socrata://HOST/ABCD-1234 into the dataset's SODA 2.x resource URL."""
    scheme, _, rest = source.partition("://")
    host, _, identifier = rest.partition("/")
    identifier = identifier.strip("/").removesuffix(".json")
    if not host or len(identifier) != 9 or identifier[4] != "-":
        raise SourceError(
            f"{source}: a Socrata source reads socrata://HOST/ABCD-1234, "
            "such as socrata://data.kcmo.org/7at3-sxhp."
        )
    return f"{SOCRATA_SCHEMES[scheme]}://{host}/resource/{identifier}.json"


def download_socrata(source: str, target: Path) -> Path:
    """Page through a SODA 2.x resource by $limit/$offset in a stable $order into NDJSON."""
    url = socrata_resource_url(source)
    offset = 0
    with target.open("w", encoding="utf-8") as out:
        while True:
            query = urllib.parse.urlencode(
                {"$limit": SOCRATA_PAGE_SIZE, "$offset": offset, "$order": ":id"}
            )
            try:
                with open_url(f"{url}?{query}", timeout=120) as response:
                    page = json.load(response)
            except (OSError, ValueError) as error:
                raise SourceError(
                    f"{source}: the page at offset {offset} could not be read ({error}); "
                    "check the host and dataset id, then try again."
                ) from None
            if not isinstance(page, list):
                raise SourceError(f"{source}: the portal did not answer with a JSON array.")
            for row in page:
                out.write(json.dumps(row) + "\n")
            offset += len(page)
            if len(page) < SOCRATA_PAGE_SIZE:
                break
    if offset == 0:
        raise SourceError(f"{source}: the portal returned no rows.")
    return target


def geojson_to_ndjson(path: Path, target: Path, label: str) -> Path:
    """Write one line per feature: its properties plus the geometry as GeoJSON text."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        features = document["features"]
    except (ValueError, KeyError, TypeError) as error:
        raise SourceError(
            f"{label}: is not a GeoJSON FeatureCollection ({error}); check the file."
        ) from None
    with target.open("w", encoding="utf-8") as out:
        for feature in features:
            row = dict(feature.get("properties") or {})
            row["geometry"] = json.dumps(feature.get("geometry"))
            out.write(json.dumps(row) + "\n")
    return target
