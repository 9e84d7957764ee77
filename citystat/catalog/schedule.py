"""Refresh schedules: a simple cadence ('daily', 'every 6 hours') or a five-field cron line."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

CADENCES = {
    "hourly": dt.timedelta(hours=1),
    "daily": dt.timedelta(days=1),
    "weekly": dt.timedelta(weeks=1),
}
EVERY = re.compile(r"^every\s+(\d+)\s+(minute|hour|day|week)s?$")
CRON_RANGES = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 6)]
# A cron line that matches nothing (such as 30 February) must not spin for ever.
SEARCH_LIMIT = dt.timedelta(days=366 * 4)


class ScheduleError(ValueError):
    pass


@dataclass(frozen=True)
class Schedule:
    interval: dt.timedelta | None = None
    cron: tuple[frozenset[int], ...] | None = None

    def next_after(self, moment: dt.datetime) -> dt.datetime:
        """Return the first run time strictly after `moment`."""
        if self.interval is not None:
            return moment + self.interval
        assert self.cron is not None
        minutes, hours, days, months, weekdays = self.cron
        candidate = moment.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
        limit = moment + SEARCH_LIMIT
        while candidate < limit:
            if candidate.month not in months:
                candidate = (
                    candidate.replace(day=1, hour=0, minute=0) + dt.timedelta(days=32)
                ).replace(day=1)
            elif candidate.day not in days or (candidate.isoweekday() % 7) not in weekdays:
                candidate = candidate.replace(hour=0, minute=0) + dt.timedelta(days=1)
            elif candidate.hour not in hours:
                candidate = candidate.replace(minute=0) + dt.timedelta(hours=1)
            elif candidate.minute not in minutes:
                candidate += dt.timedelta(minutes=1)
            else:
                return candidate
        raise ScheduleError("the cron line never matches a real date.")


def parse_schedule(text: str) -> Schedule | None:
    """Read a schedule; return None for an empty one (never refreshed)."""
    text = " ".join(text.strip().lower().split())
    if not text:
        return None
    if text in CADENCES:
        return Schedule(interval=CADENCES[text])
    every = EVERY.match(text)
    if every:
        count, unit = int(every.group(1)), every.group(2)
        if count < 1:
            raise ScheduleError(f"{text!r}: the count must be at least 1.")
        return Schedule(interval=dt.timedelta(**{unit + "s": count}))
    parts = text.split(" ")
    if len(parts) != 5:
        raise ScheduleError(
            f"{text!r} is not a schedule: use hourly, daily, weekly, 'every 6 hours', "
            "or a cron line of five fields such as '15 3 * * *'."
        )
    return Schedule(
        cron=tuple(
            cron_field(part, low, high)
            for part, (low, high) in zip(parts, CRON_RANGES, strict=True)
        )
    )


def cron_field(text: str, low: int, high: int) -> frozenset[int]:
    values: set[int] = set()
    for item in text.split(","):
        spec, _, step_text = item.partition("/")
        step = int(step_text) if step_text.isdigit() else 1
        if step_text and not step_text.isdigit():
            raise ScheduleError(f"cron field {text!r}: step {step_text!r} is not a number.")
        if spec == "*":
            start, end = low, high
        elif "-" in spec:
            first, _, last = spec.partition("-")
            start, end = to_int(first, text), to_int(last, text)
        else:
            start = to_int(spec, text)
            end = high if step_text else start
        if not (low <= start <= end <= high):
            raise ScheduleError(f"cron field {text!r} must stay within {low}–{high}.")
        values.update(range(start, end + 1, step))
    return frozenset(values)


def to_int(text: str, field: str) -> int:
    if not text.isdigit():
        raise ScheduleError(f"cron field {field!r}: {text!r} is not a number.")
    return int(text)
