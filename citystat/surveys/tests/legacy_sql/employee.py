"""Employee engagement: the share of engaged employees per department, small groups hidden."""

from __future__ import annotations

from dataclasses import dataclass

from citystat.catalog import warehouse
from citystat.catalog.warehouse import quote_identifier
from citystat.lib.stats import Interval, wilson_interval
from citystat.surveys.definition import SurveyDefinition
from citystat.surveys.waves import wave_ranks


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
    scale_means = [
        "("
        + " + ".join(f"try_cast({quote_identifier(c)} as double)" for c in columns)
        + f") / {len(columns)}"
        for columns in rule.scales.values()
    ]
    scale_columns = ", ".join(
        f"{expression} as {quote_identifier('scale_' + str(index))}"
        for index, expression in enumerate(scale_means)
    )
    overall = " + ".join(quote_identifier(f"scale_{index}") for index in range(len(scale_means)))
    averages = ", ".join(
        f"avg({quote_identifier(f'scale_{index}')})" for index in range(len(scale_means))
    )
    relation = warehouse.table_name(definition.dataset)
    wave_column = f"{quote_identifier(definition.wave)}::varchar"
    department = f"{quote_identifier(rule.department)}::varchar"
    where = f"where {wave_column} = ?" if wave is not None else ""
    sql = f"""
        with employees as (
            select {wave_column} as __wave, {department} as __department, {scale_columns}
            from {relation} {where}
        )
        select __wave, __department, count(*) as respondents,
               avg(case when ({overall}) / {len(scale_means)} >= ? then 1.0 else 0.0 end),
               {averages}
        from employees
        where __department is not null
        group by all
        order by __wave, __department
    """
    parameters = ([wave] if wave is not None else []) + [rule.threshold]
    with warehouse.connect() as connection:
        rows = connection.execute(sql, parameters).fetchall()
    # Waves by their survey date, not their label (waves.py); departments by name.
    ranks = wave_ranks(definition) if rows else {}
    rows.sort(key=lambda row: (ranks.get(row[0], len(ranks)), row[1]))
    names = list(rule.scales)
    results = []
    for wave_label, department_name, respondents, engaged, *means in rows:
        if respondents < definition.minimum_group_size:
            results.append(
                EngagementRow(wave_label, department_name, respondents, None, None, None)
            )
            continue
        results.append(
            EngagementRow(
                wave=wave_label,
                department=department_name,
                respondents=respondents,
                engaged=float(engaged),
                scale_means={name: float(mean) for name, mean in zip(names, means, strict=True)},
                interval=wilson_interval(float(engaged), respondents),
            )
        )
    return results
