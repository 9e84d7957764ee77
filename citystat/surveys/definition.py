"""Survey definitions: which columns of a respondent-level file mean what.

A definition is YAML (staff import and export it) and names the catalog dataset that
holds the answers. Kansas City's ETC Institute layout ships in `definitions/`.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from citystat.lib.errors import CitystatError

DEFINITIONS_FOLDER = Path(__file__).parent / "definitions"
KINDS = ("resident", "employee")


class DefinitionError(CitystatError):
    pass


@dataclass(frozen=True)
class Item:
    code: str
    label: str
    group: str = ""


@dataclass(frozen=True)
class Scale:
    minimum: int = 1
    maximum: int = 5
    satisfied: tuple[int, ...] = (4, 5)
    dont_know: tuple[int, ...] = (9,)


@dataclass(frozen=True)
class Breakdown:
    column: str
    label: str


@dataclass(frozen=True)
class Importance:
    columns: tuple[str, ...]
    codes: dict[int, str]
    none: tuple[int, ...] = ()


@dataclass(frozen=True)
class Engagement:
    scales: dict[str, tuple[str, ...]]
    threshold: float = 3.65
    department: str = "department"


@dataclass(frozen=True)
class SurveyDefinition:
    slug: str
    title: str
    kind: str
    dataset: str
    wave: str
    items: tuple[Item, ...]
    scale: Scale = field(default_factory=Scale)
    respondent: str | None = None
    district: str | None = None
    weight: str | None = None
    # The column holding each respondent's survey date; it orders the waves (waves.py)
    # and is typed as a date, so plan measures can count by it.
    date: str | None = None
    breakdowns: tuple[Breakdown, ...] = ()
    importance: Importance | None = None
    engagement: Engagement | None = None
    minimum_group_size: int = 5

    def item(self, code: str) -> Item:
        # PostgreSQL gives an item read back from its unpivoted column's name as the
        # quoted, lower-case identifier ('"q3_01"' for Q3_01).
        for item in self.items:
            if item.code == code:
                return item
        folded = code.strip('"').casefold()
        return next(item for item in self.items if item.code.casefold() == folded)

    def columns(self) -> list[str]:
        """Return every column of the survey file this definition reads."""
        named = [self.wave, self.respondent, self.district, self.weight, self.date]
        named += [item.code for item in self.items]
        named += [breakdown.column for breakdown in self.breakdowns]
        if self.importance:
            named += list(self.importance.columns)
        if self.engagement:
            named.append(self.engagement.department)
        return [column for column in dict.fromkeys(named) if column]

    def check_columns(self, available: list[str]) -> None:
        """Raise DefinitionError naming every column the file lacks, with a suggestion."""
        missing = [column for column in self.columns() if column not in available]
        if not missing:
            return
        problems = []
        for column in missing[:10]:
            guess = difflib.get_close_matches(column, available, n=1)
            problems.append(f"{column!r}" + (f" (did you mean {guess[0]!r}?)" if guess else ""))
        raise DefinitionError(
            f"survey {self.slug!r}: dataset {self.dataset!r} has no column "
            + ", ".join(problems)
            + "; fix the definition or the file."
        )


def load_definition_file(path: Path) -> SurveyDefinition:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DefinitionError(f"{path}: no such file.") from None
    except yaml.YAMLError as error:
        raise DefinitionError(f"{path}: not valid YAML ({error}).") from None
    return parse_definition(document, str(path))


def parse_definition(document: Any, source: str) -> SurveyDefinition:
    """Turn a YAML document into a SurveyDefinition, naming the place of any problem."""

    def fail(where: str, problem: str) -> DefinitionError:
        return DefinitionError(f"{source}: {where}: {problem}")

    if not isinstance(document, dict):
        raise fail("survey", "expected a mapping with slug, title, kind, dataset, wave, items.")
    for key in ("slug", "title", "kind", "dataset", "wave"):
        if not isinstance(document.get(key), str) or not document[key].strip():
            raise fail("survey", f"'{key}' is required.")
    if document["kind"] not in KINDS:
        raise fail("kind", f"{document['kind']!r} is not one of {', '.join(KINDS)}.")
    raw_items = document.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        raise fail("items", "a list of {code, label} is required.")
    items = []
    for index, entry in enumerate(raw_items):
        if not isinstance(entry, dict) or not entry.get("code") or not entry.get("label"):
            raise fail(f"items[{index}]", "needs a code (the column) and a label.")
        items.append(Item(str(entry["code"]), str(entry["label"]), str(entry.get("group", ""))))
    codes = [item.code for item in items]
    if len(set(codes)) != len(codes):
        raise fail("items", "a column appears twice.")
    raw_scale = document.get("scale") or {}
    scale = Scale(
        minimum=int(raw_scale.get("min", 1)),
        maximum=int(raw_scale.get("max", 5)),
        satisfied=tuple(int(code) for code in raw_scale.get("satisfied", (4, 5))),
        dont_know=tuple(int(code) for code in raw_scale.get("dont_know", (9,))),
    )
    if scale.minimum >= scale.maximum or not all(
        scale.minimum <= code <= scale.maximum for code in scale.satisfied
    ):
        raise fail("scale", "satisfied codes must lie between min and max, and min < max.")
    importance = None
    if document.get("importance"):
        raw = document["importance"]
        mapping = raw.get("codes") or {}
        unknown = [item for item in mapping.values() if item not in codes]
        if unknown:
            raise fail("importance.codes", f"{unknown[0]!r} is not one of the items.")
        importance = Importance(
            columns=tuple(raw.get("columns") or ()),
            codes={int(code): str(item) for code, item in mapping.items()},
            none=tuple(int(code) for code in raw.get("none", ())),
        )
        if not importance.columns:
            raise fail("importance.columns", "name the columns that hold the picks.")
    engagement = None
    if document.get("engagement"):
        raw = document["engagement"]
        scales = {str(name): tuple(columns) for name, columns in (raw.get("scales") or {}).items()}
        stray = [c for columns in scales.values() for c in columns if c not in codes]
        if not scales or stray:
            raise fail("engagement.scales", "each scale lists item columns from 'items'.")
        engagement = Engagement(
            scales=scales,
            threshold=float(raw.get("threshold", 3.65)),
            department=str(raw.get("department", "department")),
        )
    breakdowns = tuple(
        Breakdown(str(entry["column"]), str(entry.get("label", entry["column"])))
        for entry in document.get("breakdowns") or []
    )
    return SurveyDefinition(
        slug=document["slug"],
        title=document["title"],
        kind=document["kind"],
        dataset=document["dataset"],
        wave=document["wave"],
        items=tuple(items),
        scale=scale,
        respondent=document.get("respondent"),
        district=document.get("district"),
        weight=document.get("weight"),
        date=document.get("date"),
        breakdowns=breakdowns,
        importance=importance,
        engagement=engagement,
        minimum_group_size=int(document.get("minimum_group_size", 5)),
    )


def shipped_definition(name: str) -> SurveyDefinition:
    """Return one of the definitions that ship with citystat, such as 'kcmo-etc'."""
    return load_definition_file(DEFINITIONS_FOLDER / f"{name}.yaml")
