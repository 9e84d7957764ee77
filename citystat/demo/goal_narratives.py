"""The demo city's goal narratives: one approved story per goal, written from the goal's
own measures (their statuses, departments and strategies), so any plan gets them."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from citystat.city.translations import localized
from citystat.lib.periods import period_of
from citystat.plan.cycle import calendar_of_city
from citystat.plan.models import Goal, GoalNarrative, Measure, Plan, Status
from citystat.plan.status import status_for

DEMO_REASON = "written for the demo city"


def sentence_list(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def goal_story(goal: Goal, today: dt.date) -> tuple[str, dict[str, str]]:
    """Return the period and sections of the goal's narrative: the fiscal year of its
    measures' newest judged value (else of `today`)."""
    calendar = calendar_of_city()
    # The narrative is public once approved: it speaks of the goal's public measures only,
    # never naming one the city keeps internal (an employee survey's, say).
    measures = Measure.objects.filter(objective__goal=goal, is_public=True).select_related(
        "department"
    )
    judged = [(m, status_for(m, calendar=calendar)) for m in measures]
    with_values = [(m, s) for m, s in judged if s.value is not None]
    newest = max((s.value.period_end for _, s in with_values if s.value is not None), default=today)
    period = period_of(newest, "fiscal_year", calendar).label
    departments = sorted({m.department.name for m, _ in judged if m.department})
    who = sentence_list(departments) or "The performance office"
    if not judged:
        return period, {
            "context": "This goal's measures are reported to city staff, not published.",
            "actions": "The performance office reviews them at each CityStat meeting.",
            "next_steps": "Publish a measure residents can follow when one is ready.",
        }
    if not with_values:
        return period, {
            "context": f"None of the goal's {len(judged)} measures has a reported value yet.",
            "actions": f"{who} set up the data the measures are computed from.",
            "next_steps": "Publish the first results at the next CityStat meeting.",
        }
    on_track = [m.title for m, s in with_values if s.status == Status.ON_TRACK]
    behind = [
        m.title for m, s in with_values if s.status in (Status.NEEDS_ATTENTION, Status.OFF_TRACK)
    ]
    context = (
        f"Of the goal's {len(judged)} measures, {len(with_values)} have reported results; "
        f"at their latest report {len(on_track)} {'was' if len(on_track) == 1 else 'were'} "
        "on track."
    )
    if on_track:
        context += f" On track: {sentence_list(on_track)}."
    if behind:
        context += f" Behind their targets: {sentence_list(behind)}."
    strategies = [s.title for s in goal.strategies.all()]
    actions = (
        f"{who} {'are' if len(departments) > 1 else 'is'} working on "
        f"{sentence_list(strategies).lower()}."
        if strategies
        else f"{who} review{'' if len(departments) > 1 else 's'} these measures at each "
        "CityStat meeting and move crews and budget where results slip."
    )
    focus = behind[0] if behind else with_values[0][0].title
    next_steps = (
        f"Report at the next CityStat meeting on {focus.lower()}, with what it will take to "
        "reach next year's target."
    )
    return period, {"context": context, "actions": actions, "next_steps": next_steps}


def lista(items: list[str]) -> str:
    """Spanish `sentence_list`: "a, b y c"."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " y " + items[-1]


def goal_story_es(goal: Goal, today: dt.date) -> dict[str, str]:
    """The goal's narrative sections in Spanish, from the same figures as `goal_story`."""
    calendar = calendar_of_city()
    measures = Measure.objects.filter(objective__goal=goal, is_public=True).select_related(
        "department"
    )
    judged = [(m, status_for(m, calendar=calendar)) for m in measures]
    with_values = [(m, s) for m, s in judged if s.value is not None]
    departments = sorted({m.department.name for m, _ in judged if m.department})
    many = len(departments) > 1
    who = lista(departments) or "La oficina de desempeño"
    if not judged:
        return {
            "context": "Los indicadores de esta meta se informan al personal de la ciudad y no "
            "se publican.",
            "actions": "La oficina de desempeño los revisa en cada reunión de CityStat.",
            "next_steps": "Publicar un indicador que los residentes puedan seguir en cuanto "
            "haya uno listo.",
        }
    if not with_values:
        return {
            "context": f"Ninguno de los {len(judged)} indicadores de la meta tiene todavía un "
            "valor informado.",
            "actions": f"{who} {'preparan' if many else 'prepara'} los datos con los que se "
            "calculan los indicadores.",
            "next_steps": "Publicar los primeros resultados en la próxima reunión de CityStat.",
        }

    def title(measure: Measure) -> str:
        return localized(measure, "title", "es").text

    on_track = [title(m) for m, s in with_values if s.status == Status.ON_TRACK]
    behind = [
        title(m) for m, s in with_values if s.status in (Status.NEEDS_ATTENTION, Status.OFF_TRACK)
    ]
    context = (
        f"De los {len(judged)} indicadores de la meta, {len(with_values)} tienen resultados "
        f"informados; en su último informe, {len(on_track)} "
        f"{'iba bien encaminado' if len(on_track) == 1 else 'iban bien encaminados'}."
    )
    if on_track:
        context += f" Bien encaminados: {lista(on_track)}."
    if behind:
        context += f" Por debajo de su valor meta: {lista(behind)}."
    strategies = [localized(s, "title", "es").text for s in goal.strategies.all()]
    actions = (
        f"{who} {'trabajan' if many else 'trabaja'} en lo siguiente: "
        f"{lista([s[:1].lower() + s[1:] for s in strategies])}."
        if strategies
        else f"{who} {'revisan' if many else 'revisa'} estos indicadores en cada reunión de "
        f"CityStat y {'llevan' if many else 'lleva'} cuadrillas y presupuesto allí donde "
        "los resultados flaquean."
    )
    focus = behind[0] if behind else title(with_values[0][0])
    next_steps = (
        f"Informar en la próxima reunión de CityStat sobre «{focus}», con lo que hará falta "
        "para alcanzar el valor meta del próximo año."
    )
    return {"context": context, "actions": actions, "next_steps": next_steps}


def build_demo_goal_narratives() -> int:
    """Write and approve a narrative for every goal of the current plan; return how many."""
    plan = Plan.current()
    if plan is None:
        return 0
    written = 0
    for goal in Goal.objects.filter(priority_area__plan=plan).prefetch_related("strategies"):
        period, sections = goal_story(goal, plan.as_of or timezone.localdate())
        found = GoalNarrative.objects.filter(goal=goal, period=period).first()
        narrative: GoalNarrative = found or GoalNarrative(goal=goal, period=period)
        for name, text in sections.items():
            setattr(narrative, name, text)
        narrative.translations = {"es": goal_story_es(goal, plan.as_of or timezone.localdate())}
        narrative.state = GoalNarrative.State.APPROVED
        narrative._change_reason = DEMO_REASON  # type: ignore[attr-defined]
        narrative.save()
        written += 1
    return written
