"""Values that staff enter for measures without a spec: one at a time, from a CSV file for
one measure, or from one CSV file for any number of measures (`citystat values import`)."""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction

from citystat.city.models import CityProfile
from citystat.lib.errors import CitystatError
from citystat.lib.periods import PeriodError, parse_period
from citystat.plan.compute.filters import did_you_mean
from citystat.plan.models import Measure, MeasureValue
from citystat.plan.status import measure_grain

CSV_COLUMNS = ("period", "value", "source_note")
# `citystat values import`: source_note may instead come from --source-note.
TABLE_COLUMNS = ("measure", "period", "value")


class ManualValueError(CitystatError):
    """Entered values with problems; `problems` names each by its line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Entry:
    period: str
    value: float
    source_note: str


def check_entry(measure: Measure, period: str, value: object, source_note: str) -> Entry:
    """Return the checked entry or raise ManualValueError with one plain sentence."""
    if not measure.is_manual:
        raise ManualValueError(
            [f"{measure.slug} is computed from its dataset; values are not typed in."]
        )
    calendar = CityProfile.current().fiscal_calendar
    try:
        parsed = parse_period(str(period), calendar)
    except PeriodError as error:
        raise ManualValueError([str(error)]) from None
    if parsed.grain != measure_grain(measure):
        raise ManualValueError(
            [
                f"{measure.slug} is reported by {measure_grain(measure).replace('_', ' ')}; "
                f"{period!r} is a {parsed.grain.replace('_', ' ')}."
            ]
        )
    try:
        number = float(str(value).replace(",", ""))
    except ValueError:
        raise ManualValueError([f"{value!r} is not a number."]) from None
    if not math.isfinite(number):
        raise ManualValueError([f"{value!r} is not a number a measure can take."])
    if not source_note.strip():
        raise ManualValueError(["say where the value comes from (a source note)."])
    return Entry(parsed.label, number, source_note.strip()[:300])


def save_entries(measure: Measure, entries: list[Entry]) -> int:
    calendar = CityProfile.current().fiscal_calendar
    with transaction.atomic():
        for entry in entries:
            period = parse_period(entry.period, calendar)
            MeasureValue.objects.update_or_create(
                measure=measure,
                period=entry.period,
                breakdown="",
                breakdown_value="",
                defaults={
                    "period_start": period.start,
                    "period_end": period.end,
                    "value": entry.value,
                    "origin": MeasureValue.Origin.ENTERED,
                    "source_note": entry.source_note,
                },
            )
    return len(entries)


def enter_value(measure: Measure, period: str, value: object, source_note: str) -> MeasureValue:
    """Store one typed-in value, replacing any earlier one for the same period."""
    entry = check_entry(measure, period, value, source_note)
    save_entries(measure, [entry])
    return MeasureValue.objects.get(measure=measure, period=entry.period, breakdown="")


def import_values_csv(measure: Measure, text: str) -> int:
    """Store the values of a CSV with columns period,value,source_note; all or nothing."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [column for column in CSV_COLUMNS if column not in (reader.fieldnames or [])]
    if missing:
        raise ManualValueError(
            [f"line 1: the header needs {', '.join(CSV_COLUMNS)}; missing {', '.join(missing)}."]
        )
    entries, problems = [], []
    for line, row in enumerate(reader, start=2):
        try:
            entries.append(
                check_entry(
                    measure, row["period"] or "", row["value"] or "", row["source_note"] or ""
                )
            )
        except ManualValueError as error:
            problems.append(f"line {line}: {error}")
    if problems:
        raise ManualValueError(problems)
    return save_entries(measure, entries)


@dataclass
class ImportedValues:
    """What `import_values_table` saved, and the warnings it has for the person importing."""

    saved: int = 0
    measures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # What was saved, per measure slug: the staff upload page shows it back.
    entries: dict[str, list[Entry]] = field(default_factory=dict)
    # Each saved measure's unit, so the page shows the values as every other page does.
    units: dict[str, str] = field(default_factory=dict)

    @property
    def saved_rows(self) -> list[tuple[str, str, Entry]]:
        """Return each saved value as (measure slug, its unit, the entry), in slug order."""
        return [
            (slug, self.units.get(slug, ""), entry)
            for slug, entries in self.entries.items()
            for entry in entries
        ]


def import_values_table(
    text: str, default_note: str = "", may_enter: Callable[[Measure], bool] | None = None
) -> ImportedValues:
    """Store the values of a CSV with columns measure,period,value[,source_note].

    Every line is checked first (unknown measure, a period not of the measure's grain, a
    value that is not a number, a period given twice, a measure `may_enter` says no to);
    one problem saves nothing, and ManualValueError names each line. `default_note`
    stands for an empty source_note.
    """
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [column for column in TABLE_COLUMNS if column not in header]
    if missing:
        raise ManualValueError(
            [
                f"line 1: the header needs measure, period, value (and source_note); "
                f"missing {', '.join(missing)}."
            ]
        )
    reader.fieldnames = header
    measures = {measure.slug: measure for measure in Measure.objects.prefetch_related("targets")}
    entries: dict[str, list[Entry]] = defaultdict(list)
    seen: dict[tuple[str, str], int] = {}
    problems = []
    for row in reader:
        line = reader.line_num
        slug = (row.get("measure") or "").strip()
        measure = measures.get(slug)
        if measure is None:
            hint = did_you_mean(slug, sorted(measures)) if slug else ""
            problems.append(f"line {line}: no measure {slug!r}{hint or '.'}")
            continue
        if may_enter is not None and not may_enter(measure):
            problems.append(
                f"line {line}: {slug} belongs to a department you do not work for; "
                "you may not enter its values."
            )
            continue
        note = (row.get("source_note") or "").strip() or default_note
        try:
            entry = check_entry(measure, row.get("period") or "", row.get("value") or "", note)
        except ManualValueError as error:
            problems.append(f"line {line} ({slug}): {error}")
            continue
        earlier = seen.setdefault((slug, entry.period), line)
        if earlier != line:
            problems.append(f"line {line}: {slug} {entry.period} is also on line {earlier}.")
            continue
        entries[slug].append(entry)
    if problems:
        raise ManualValueError(problems)
    result = ImportedValues(
        measures=sorted(entries),
        entries=dict(sorted(entries.items())),
        units={slug: measures[slug].unit for slug in entries},
    )
    with transaction.atomic():
        for slug, measure_entries in entries.items():
            result.saved += save_entries(measures[slug], measure_entries)
    result.warnings = [
        warning
        for slug, measure_entries in sorted(entries.items())
        if (warning := fraction_warning(measures[slug], [e.value for e in measure_entries]))
    ]
    return result


def fraction_warning(measure: Measure, values: list[float]) -> str:
    """Return a warning when a percent measure's values look like fractions (0.93 for 93%):
    every value is 1 or less while a target is above 1."""
    if measure.unit != Measure.Unit.PERCENT or not values or max(values) > 1:
        return ""
    targets = [target.value for target in measure.targets.all() if target.value > 1]
    if not targets:
        return ""
    return (
        f"{measure.slug} is a percent measure with targets such as {targets[0]:g}, but every "
        f"value given is 1 or less (such as {values[0]:g}): were fractions given for "
        f"percentages (0.93 for 93%)? Multiply them by 100 and import again."
    )
