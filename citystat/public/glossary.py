"""The glossary of the words the site uses, shown by the footer's glossary page
(citystat/public/views/about.py)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Term:
    slug: str  # the anchor other pages link to: /glossary/#tolerance
    name: Promise
    definition: Promise


# In the order a resident meets them on a measure page. Each is translated in
# citystat/locale/<language>/LC_MESSAGES/django.po like every other string of the site.
GLOSSARY = [
    Term(
        "priority-area",
        _("Priority area"),
        _(
            "One of the few broad themes the strategic plan is organised around, such as "
            "public safety or infrastructure. Each holds goals."
        ),
    ),
    Term(
        "goal",
        _("Goal"),
        _("What the city means to achieve within a priority area. Each goal has objectives."),
    ),
    Term(
        "objective",
        _("Objective"),
        _("A specific result under a goal. Measures show whether it is being reached."),
    ),
    Term(
        "measure",
        _("Measure"),
        _(
            "A number computed from the city's published data, each period, the same way "
            "every time. Its page shows the definition, the data and the method."
        ),
    ),
    Term(
        "target",
        _("Target"),
        _(
            "The value the city aims for in a fiscal year. A measure may aim higher, lower, "
            "or within a range."
        ),
    ),
    Term(
        "tolerance",
        _("Tolerance"),
        _(
            "How far short of its target a measure may fall and still count as on track. "
            "Further short means it needs attention, then that it is off track."
        ),
    ),
    Term(
        "status",
        _("Status"),
        _(
            "On track, needs attention, off track or no data: the latest complete value "
            "compared with its target. Goals and priority areas add up their measures' "
            "statuses."
        ),
    ),
    Term(
        "fiscal-year",
        _("Fiscal year"),
        _(
            "The city's budget year. It need not start in January; it is named by the "
            "calendar year it ends in, so FY2026 may run from July 2025 to June 2026."
        ),
    ),
    Term(
        "period",
        _("Period"),
        _("The month, quarter or year a value covers."),
    ),
    Term(
        "partial-period",
        _("Partial period"),
        _(
            "A period that has not ended, or whose data has not all arrived. Its value may "
            "still change, so a measure's status is judged on its latest complete period."
        ),
    ),
    Term(
        "baseline",
        _("Baseline"),
        _("The value before the plan began, to compare progress with."),
    ),
    Term(
        "median",
        _("Median"),
        _(
            "The middle value: half of the cases took less, half took more. Unlike the "
            "average, a few very long cases do not pull it up."
        ),
    ),
    Term(
        "confidence-interval",
        _("Confidence interval"),
        _(
            "For a figure from a survey, the range that very likely holds the true value "
            "for all residents, not only those who answered. Shown as 65% ± 2: between 63% "
            "and 67%."
        ),
    ),
    Term(
        "importance-satisfaction",
        _("Importance–satisfaction (I-S)"),
        _(
            "A way to rank city services from a resident survey: services that many "
            "residents call important but few are satisfied with come first, because "
            "improving them matters most to residents."
        ),
    ),
    Term(
        "service-request",
        _("311 service request"),
        _(
            "A report a resident makes to the city's 311 line, website or app, such as a "
            "pothole or missed trash pickup."
        ),
    ),
    Term(
        "dataset",
        _("Dataset"),
        _(
            "A table of records the city publishes, which anyone may download or query. "
            "Columns about people are withheld."
        ),
    ),
]
