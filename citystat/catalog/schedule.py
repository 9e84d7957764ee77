"""Refresh schedules: a simple cadence ('daily', 'every 6 hours') or a five-field cron line."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from croniter import CroniterBadCronError, CroniterBadDateError, croniter

CADENCES = {
    "hourly": dt.timedelta(hours=1),
    "daily": dt.timedelta(days=1),
    "weekly": dt.timedelta(weeks=1),
}
EVERY = re.compile(r"^every\s+(\d+)\s+(minute|hour|day|week)s?$")


class ScheduleError(ValueError):
    pass


@dataclass(frozen=True)
class Schedule:
    interval: dt.timedelta | None = None
    cron: str | None = None

    def next_after(self, moment: dt.datetime) -> dt.datetime:
        """Return the first run time strictly after `moment`.

        A cron line is read as cron reads it: when both day of month and day of week
        are restricted, a day matching either runs (`0 3 1 * 1` is the 1st and Mondays).
        """
        if self.interval is not None:
            return moment + self.interval
        assert self.cron is not None
        try:
            following: dt.datetime = croniter(self.cron, moment).get_next(dt.datetime)
        except CroniterBadDateError as error:
            # A line such as '0 0 30 2 *' (30 February) parses but never runs.
            raise ScheduleError(
                f"the cron line {self.cron!r} never matches a real date."
            ) from error
        return following


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
    if len(text.split(" ")) != 5:
        raise ScheduleError(
            f"{text!r} is not a schedule: use hourly, daily, weekly, 'every 6 hours', "
            "or a cron line of five fields such as '15 3 * * *'."
        )
    try:
        croniter(text)
    except CroniterBadCronError as error:
        raise ScheduleError(f"cron line {text!r}: {error}.") from error
    return Schedule(cron=text)
