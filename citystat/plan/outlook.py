"""A measure's trend and forecast in words, from its stored values and targets."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from citystat.city.models import CityProfile
from citystat.lib.periods import FiscalCalendar, Period, next_period
from citystat.plan import display
from citystat.plan.models import Measure, MeasureValue
from citystat.plan.status import measure_grain
from citystat.plan.trend import WINDOW, Forecast, Trend, forecast, trend_of

# When the forecast reaches the target: (in time?, is there a latest year?) → the sentence.
# Whole sentences, so translators never glue pieces together.
REACHED = {
    (True, True): gettext_lazy(
        "At the current pace the FY%(year)s target of %(target)s is reached in "
        "FY%(reached)s (in time); allowing for the year-to-year ups and downs, "
        "between FY%(earliest)s and FY%(latest)s."
    ),
    (False, True): gettext_lazy(
        "At the current pace the FY%(year)s target of %(target)s is reached in "
        "FY%(reached)s (late); allowing for the year-to-year ups and downs, "
        "between FY%(earliest)s and FY%(latest)s."
    ),
    (True, False): gettext_lazy(
        "At the current pace the FY%(year)s target of %(target)s is reached in "
        "FY%(reached)s (in time); allowing for the year-to-year ups and downs, "
        "between FY%(earliest)s and possibly never."
    ),
    (False, False): gettext_lazy(
        "At the current pace the FY%(year)s target of %(target)s is reached in "
        "FY%(reached)s (late); allowing for the year-to-year ups and downs, "
        "between FY%(earliest)s and possibly never."
    ),
}
# Trend.direction → its sentence; ngettext_lazy picks singular or plural by "count".
TREND_SENTENCES = {
    "rising": ngettext_lazy(
        "The trend over %(count)s period is rising.",
        "The trend over %(count)s periods is rising.",
        "count",
    ),
    "falling": ngettext_lazy(
        "The trend over %(count)s period is falling.",
        "The trend over %(count)s periods is falling.",
        "count",
    ),
    "flat": ngettext_lazy(
        "The trend over %(count)s period is flat.",
        "The trend over %(count)s periods is flat.",
        "count",
    ),
}


@dataclass(frozen=True)
class Outlook:
    trend: Trend | None
    forecast: Forecast | None
    sentence: str  # "At the current pace the FY2027 target of 80 is reached in FY2026 …"
    change: str  # "The latest change is within normal variation." or ""


# A projection further out than this many years is none: a flat trend's slope is float
# noise (1e-15), which would put the target past the last date Python can hold.
HORIZON_YEARS = 100
PERIODS_A_YEAR = {"day": 366, "week": 53, "month": 12, "quarter": 4, "fiscal_year": 1, "year": 1}


def fiscal_year_after(period: Period, steps: int, calendar: FiscalCalendar) -> int:
    for _step in range(steps):
        period = next_period(period, calendar)
    return calendar.fiscal_year_of(period.end)


def outlook(measure: Measure) -> Outlook:
    """Describe where the measure is heading and whether it reaches its last target."""
    calendar = CityProfile.current().fiscal_calendar
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
        return Outlook(trend, None, _("Too few values yet to show a trend."), "")
    change = (
        _("The latest change is within normal variation, not a real rise or fall.")
        if trend.change_is_normal_variation
        else _("The latest change is larger than the measure's normal variation.")
    )
    if target is None or measure.direction == Measure.Direction.WITHIN_RANGE:
        return Outlook(trend, None, trend_sentence(trend), change)
    projected = forecast(
        values, target.value, measure.direction == Measure.Direction.HIGHER_IS_BETTER
    )
    assert projected is not None
    last = Period(rows[-1].period_start, rows[-1].period_end, grain)
    words: dict[str, object] = {
        "year": target.fiscal_year,
        "target": display.target_text(target.value, measure.unit),
    }
    if projected.already_met:
        sentence = _("The latest value already meets the FY%(year)s target of %(target)s.") % words
    elif (
        projected.reached_in is None or projected.reached_in > HORIZON_YEARS * PERIODS_A_YEAR[grain]
    ):
        sentence = (
            _("At the current pace the FY%(year)s target of %(target)s will not be reached.")
            % words
        )
    else:
        reached = fiscal_year_after(last, projected.reached_in, calendar)
        words["reached"] = reached
        words["earliest"] = fiscal_year_after(
            last, projected.earliest or projected.reached_in, calendar
        )
        latest = projected.latest
        if latest is not None and latest <= HORIZON_YEARS * PERIODS_A_YEAR[grain]:
            words["latest"] = fiscal_year_after(last, latest, calendar)
        on_time = reached <= target.fiscal_year
        sentence = str(REACHED[(on_time, "latest" in words)]) % words
    return Outlook(trend, projected, sentence, change)


def trend_sentence(trend: Trend) -> str:
    """Say which way the values went, in the reader's language."""
    return str(TREND_SENTENCES[trend.direction] % {"count": trend.periods})
