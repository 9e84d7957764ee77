"""A measure's trend and forecast in words, from its stored values and targets."""

from __future__ import annotations

from dataclasses import dataclass

from citystat.lib.periods import FiscalCalendar, Period, next_period
from citystat.plan.compute.run import city_context
from citystat.plan.models import Measure, MeasureValue
from citystat.plan.status import measure_grain
from citystat.plan.trend import WINDOW, Forecast, Trend, forecast, trend_of


@dataclass(frozen=True)
class Outlook:
    trend: Trend | None
    forecast: Forecast | None
    sentence: str  # "At the current pace the FY2027 target of 80 is reached in FY2026 …"
    change: str  # "The latest change is within normal variation." or ""


def fiscal_year_after(period: Period, steps: int, calendar: FiscalCalendar) -> int:
    for _ in range(steps):
        period = next_period(period, calendar)
    return calendar.fiscal_year_of(period.end)


def outlook(measure: Measure) -> Outlook:
    """Describe where the measure is heading and whether it reaches its last target."""
    calendar = city_context().calendar
    grain = measure_grain(measure)
    rows = list(
        MeasureValue.objects.filter(
            measure=measure, breakdown="", is_partial=False, value__isnull=False
        ).order_by("-period_start")[: WINDOW[grain]]
    )[::-1]
    values = [row.value for row in rows if row.value is not None]
    trend = trend_of(values)
    target = measure.targets.order_by("-fiscal_year").first()
    if trend is None or not rows:
        return Outlook(trend, None, "Too few values yet to show a trend.", "")
    change = (
        "The latest change is within normal variation, not a real rise or fall."
        if trend.change_is_normal_variation
        else "The latest change is larger than the measure's normal variation."
    )
    if target is None or measure.direction == Measure.Direction.WITHIN_RANGE:
        return Outlook(
            trend, None, f"The trend over {trend.periods} periods is {trend.direction}.", change
        )
    projected = forecast(
        values, target.value, measure.direction == Measure.Direction.HIGHER_IS_BETTER
    )
    assert projected is not None
    last = Period(rows[-1].period_start, rows[-1].period_end, grain)
    goal = f"the FY{target.fiscal_year} target of {target.value:g}"
    if projected.already_met:
        sentence = f"The latest value already meets {goal}."
    elif projected.reached_in is None:
        sentence = f"At the current pace {goal} will not be reached."
    else:
        reached = fiscal_year_after(last, projected.reached_in, calendar)
        earliest = fiscal_year_after(last, projected.earliest or projected.reached_in, calendar)
        latest = (
            f"FY{fiscal_year_after(last, projected.latest, calendar)}"
            if projected.latest is not None
            else "possibly never"
        )
        on_time = "in time" if reached <= target.fiscal_year else "late"
        sentence = (
            f"At the current pace {goal} is reached in FY{reached} ({on_time}); "
            f"allowing for the year-to-year ups and downs, between FY{earliest} and {latest}."
        )
    return Outlook(trend, projected, sentence, change)
