"""The order of a survey's waves: by when each was surveyed, never by its label as text.

ETC Institute labels Kansas City's quarters `1QSEP2021`, `3QMAR2022`, `1QSEP2022`: as text,
`1QSEP2022` sorts before `3QMAR2022`. A wave's date is, best first, the earliest survey
date of its respondents (the definition's `date` column), else the date its label
names: a month and a year (`SEP2022`, `Sep 2022`, `September-2022`), an ISO date or
month (`2022-09`, `2022-09-15`), or a year alone (`FY2022`, `2022`), read as its first
month. `citystat survey load` refuses a wave that has neither, so every published wave
has a place in time.
"""

from __future__ import annotations

import datetime as dt
import re

import ibis
import ibis.expr.types as ir

from citystat.catalog.engines import open_session
from citystat.surveys.answers import WAVE, answers_table, rows, wave_of
from citystat.surveys.definition import SurveyDefinition

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
# The longest names first, so "september" is not read as "sep" followed by "tember". No
# word boundary before the month: ETC writes the quarter right before it (`1QSEP2022`).
MONTH_YEAR = re.compile(
    "(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")[\s_./-]*((?:19|20)\d\d)(?!\d)",
    re.IGNORECASE,
)
ISO_DATE = re.compile(r"(?<!\d)((?:19|20)\d\d)-(\d\d)(?:-(\d\d))?(?!\d)")
YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")


def label_date(label: str) -> dt.date | None:
    """Return the date a wave's label names, or None when it names none."""
    found = MONTH_YEAR.search(label)
    if found:
        return dt.date(int(found.group(2)), MONTHS[found.group(1).lower()], 1)
    found = ISO_DATE.search(label)
    if found and 1 <= int(found.group(2)) <= 12:
        try:
            return dt.date(int(found.group(1)), int(found.group(2)), int(found.group(3) or 1))
        except ValueError:
            return None
    years = YEAR.findall(label)
    if len(years) == 1:
        return dt.date(int(years[0]), 1, 1)
    return None


def wave_dates(definition: SurveyDefinition) -> dict[str, dt.date | None]:
    """Return each published wave with its date (see the module's docstring)."""
    with open_session() as session:

        def build() -> ir.Table:
            table = answers_table(session, definition)
            table = table.filter(table[definition.wave].notnull())
            first_day = (
                as_date(table[definition.date]).min() if definition.date else ibis.null("date")
            )
            return table.group_by(**{WAVE: wave_of(table, definition)}).aggregate(
                first_day=first_day
            )

        inputs = {"statistic": "wave dates", "definition": definition}
        found = rows(session, definition.dataset, inputs, build)
    return {str(row[WAVE]): row["first_day"] or label_date(str(row[WAVE])) for row in found}


def as_date(column: ir.Value) -> ir.DateValue:
    """A survey date as a date: a date-time counts by its day, text by the date it reads."""
    kind = column.type()
    if kind.is_date():
        return column  # type: ignore[return-value]
    if kind.is_timestamp():
        return column.date()  # type: ignore[attr-defined,no-any-return]
    return column.try_cast("date")  # type: ignore[return-value]


def order_waves(dates: dict[str, dt.date | None]) -> list[str]:
    """Return the waves oldest first; a wave with no date (loaded before dates were
    required) comes after the dated ones, by its label."""
    return sorted(
        dates, key=lambda label: (dates[label] is None, dates[label] or dt.date.min, label)
    )


def wave_ranks(definition: SurveyDefinition) -> dict[str, int]:
    """Return {wave: its place, oldest 0}, for sorting rows that carry a wave."""
    return {label: rank for rank, label in enumerate(order_waves(wave_dates(definition)))}
