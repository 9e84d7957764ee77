"""Employee engagement: the share of engaged employees per department, small groups hidden."""

from __future__ import annotations

import functools
import operator
from dataclasses import dataclass

import ibis.expr.types as ir

from citystat.catalog.engines import open_session
from citystat.lib.stats import Interval
from citystat.lib.survey_shares import finish_parts, share_parts
from citystat.surveys.answers import WAVE, answers_table, as_number, as_text, in_wave, rows, wave_of
from citystat.surveys.definition import SurveyDefinition
from citystat.surveys.waves import wave_ranks

DEPARTMENT = "__department"


@dataclass(frozen=True)
class EngagementRow:
    wave: str
    department: str
    respondents: int
    engaged: float | None
    scale_means: dict[str, float] | None
    interval: Interval | None

    @property
    def suppressed(self) -> bool:
        return self.engaged is None


def engagement(definition: SurveyDefinition, wave: str | None = None) -> list[EngagementRow]:
    """Return, per wave and department, the share of employees whose mean across the
    engagement scales reaches the threshold (Durham's rule), with its Wilson interval.

    Departments with fewer respondents than the definition's minimum are reported only
    as suppressed, so no answer can be traced to a person.
    """
    if definition.engagement is None:
        raise ValueError(f"survey {definition.slug!r} defines no engagement scales")
    rule = definition.engagement
    with open_session() as session:

        def build() -> ir.Table:
            return engagement_expression(answers_table(session, definition), definition, wave)

        inputs = {"statistic": "engagement", "definition": definition, "wave": wave}
        found = rows(session, definition.dataset, inputs, build)
    # Waves by their survey date, not their label (waves.py); departments by name.
    ranks = wave_ranks(definition) if found else {}
    found.sort(key=lambda row: (ranks.get(row[WAVE], len(ranks)), row[DEPARTMENT]))
    names = list(rule.scales)
    results = []
    for row in found:
        share = finish_parts(row, weighted=False, minimum=definition.minimum_group_size)
        if share.share is None:
            results.append(
                EngagementRow(row[WAVE], row[DEPARTMENT], share.respondents, None, None, None)
            )
            continue
        results.append(
            EngagementRow(
                wave=row[WAVE],
                department=row[DEPARTMENT],
                respondents=share.respondents,
                engaged=share.share,
                scale_means={name: float(row[f"mean_{index}"]) for index, name in enumerate(names)},
                interval=share.interval,
            )
        )
    return results


def engagement_expression(
    table: ir.Table, definition: SurveyDefinition, wave: str | None
) -> ir.Table:
    """Per wave and department: respondents, the engaged share's parts, each scale's mean."""
    rule = definition.engagement
    assert rule is not None
    table = in_wave(table, definition, wave)
    # A scale's mean over its items; one item unanswered leaves the scale, and so the
    # overall mean, empty: that employee counts among the respondents, not the engaged.
    scale_means = [
        functools.reduce(operator.add, [as_number(table[column], "float64") for column in columns])
        / len(columns)
        for columns in rule.scales.values()
    ]
    employees = table.select(
        **{WAVE: wave_of(table, definition), DEPARTMENT: as_text(table[rule.department])},
        **{f"scale_{index}": mean for index, mean in enumerate(scale_means)},
    )
    employees = employees.filter(employees[DEPARTMENT].notnull())
    scales = [employees[f"scale_{index}"] for index in range(len(scale_means))]
    overall = functools.reduce(operator.add, scales) / len(scales)
    engaged = (overall >= rule.threshold).fill_null(False)
    return employees.group_by([WAVE, DEPARTMENT]).aggregate(
        **share_parts(engaged, employees.count()),
        **{f"mean_{index}": scale.mean() for index, scale in enumerate(scales)},
    )
