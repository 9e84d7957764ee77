"""Values that staff enter for measures without a spec: one at a time or from a CSV file."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.db import transaction

from citystat.lib.errors import CitystatError
from citystat.lib.periods import PeriodError, parse_period
from citystat.plan.compute.run import city_context
from citystat.plan.models import Measure, MeasureValue
from citystat.plan.status import measure_grain

CSV_COLUMNS = ("period", "value", "source_note")


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
    calendar = city_context().calendar
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
    if not source_note.strip():
        raise ManualValueError(["say where the value comes from (a source note)."])
    return Entry(parsed.label, number, source_note.strip()[:300])


def save_entries(measure: Measure, entries: list[Entry]) -> int:
    calendar = city_context().calendar
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
