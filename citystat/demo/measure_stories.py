"""The demo city's measure narratives: what changed, why, what the city is doing, what next.

Every figure in a narrative is computed from the measure's stored values and target when
the demo is built, never written into the text: the demo's data is generated from a seed
and a size, and a sentence such as "closures rose to 64%" would be false for another
build. What is written by hand is the part no number gives, per measure: the likely
cause of a rise or a fall, and the department's next step. The actions come from the
plan's strategies that name the measure (citystat/demo/plan.yaml).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import translation

from citystat.city.translations import localized
from citystat.plan import display
from citystat.plan.models import Measure, MeasureValue, Narrative, Strategy
from citystat.plan.status import MeasureStatus, status_for
from citystat.plan.templatetags.plan_periods import period_name


@dataclass(frozen=True)
class Why:
    """The likely cause when the measure rose, and when it fell, and the next step."""

    rose: str
    fell: str
    next_step: str


# Causes are worded for the direction the value moved, so the story cannot contradict the
# numbers beside it; a measure without an entry gets the computed sentences only.
WHY: dict[str, Why] = {
    "potholes-closed-within-7-days": Why(
        rose="Weekend crews reached more reports within the week, and fewer new potholes "
        "opened once the freeze-and-thaw season eased.",
        fell="Freeze and thaw opened potholes faster than crews could reach them, and a few "
        "repairs waited on asphalt plants that close in the coldest weeks.",
        next_step="Public Works will report closures by council district at the next KCStat "
        "meeting, so the districts that wait longest get the weekend crews first.",
    ),
    "pothole-requests": Why(
        rose="Pothole reports follow the weather: cold nights followed by thaws break up "
        "pavement, and residents report more of them.",
        fell="Milder weather and the streets resurfaced last season meant fewer new potholes "
        "to report.",
        next_step="Streets with repeat reports will be checked against the resurfacing list "
        "before next winter.",
    ),
    "potholes-repaired": Why(
        rose="More crews were out, including on weekends, so more reported potholes were filled.",
        fell="Fewer crews were available, and some were moved to snow duty during storms.",
        next_step="Public Works will compare repairs with new reports each month to see "
        "whether crews keep up.",
    ),
    "street-requests-median-days": Why(
        rose="Larger street repairs, which take longer than potholes, made up more of the "
        "requests closed.",
        fell="Crews cleared a group of older street requests, and new ones were smaller "
        "repairs that close quickly.",
        next_step="Requests older than their timeframe will be listed by district for the "
        "street maintenance managers every week.",
    ),
    "street-repair-backlog": Why(
        rose="New street requests arrived faster than crews closed them.",
        fell="Crews closed more street requests than residents opened.",
        next_step="Public Works will bring a plan for the oldest open requests to the next "
        "meeting on infrastructure.",
    ),
    "streetlight-median-days": Why(
        rose="Some repairs waited for parts and for the utility to restore power to the poles.",
        fell="LED fixtures installed this year fail less often, and crews carry the common "
        "parts on their trucks.",
        next_step="Outages that wait on the power utility will be tracked separately so "
        "residents know who is fixing them.",
    ),
    "water-outages-within-1-day": Why(
        rose="Crews on call overnight reached breaks sooner, and fewer breaks needed "
        "excavation under busy streets.",
        fell="Cold snaps brought several breaks at once, and crews repaired the largest "
        "mains first.",
        next_step="Water Services will list the mains that broke more than once for the "
        "replacement program.",
    ),
    "water-leaks-median-days": Why(
        rose="Leak repairs waited while crews answered main breaks first.",
        fell="More leak crews worked in the warmer months, when main breaks are rare.",
        next_step="Leaks on the same street as a planned main replacement will be fixed as "
        "part of that work.",
    ),
    "storm-drains-within-timeframe": Why(
        rose="Crews cleared inlets on streets that flooded last year before the spring "
        "rains, so fewer calls waited.",
        fell="Heavy storms clogged many drains at once with leaves and debris.",
        next_step="Inlets cleaned more than twice a year will get a larger grate or a "
        "regular cleaning date.",
    ),
    "illegal-dumping-within-timeframe": Why(
        rose="Cleanup crews worked the sites with cameras first, where reports repeat.",
        fell="More reports came in during the warm months, when dumping rises, than crews "
        "could clear on time.",
        next_step="Solid Waste will share the sites with the most reports with the council "
        "offices.",
    ),
    "tall-weeds-within-timeframe": Why(
        rose="Vacant lots were mowed on a schedule, so fewer complaints needed a visit.",
        fell="Rain and heat made grass grow faster than inspectors could reach complaints.",
        next_step="Lots reported more than once will move to the scheduled mowing list.",
    ),
    "missed-trash-requests": Why(
        rose="Open driver positions left routes without a regular crew, and substitutes "
        "missed more stops.",
        fell="New drivers finished training, so more routes had their regular crew.",
        next_step="Solid Waste will report vacancies next to missed pickups at each KCStat "
        "meeting on the area.",
    ),
}


# The same causes and next steps as the city's translator would write them in Spanish.
WHY_ES: dict[str, Why] = {
    "potholes-closed-within-7-days": Why(
        rose="Las cuadrillas de fin de semana atendieron más avisos dentro de la semana, y se "
        "abrieron menos baches nuevos al terminar la temporada de heladas y deshielos.",
        fell="Las heladas y los deshielos abrieron baches más rápido de lo que las cuadrillas "
        "podían llegar, y algunas reparaciones esperaron a las plantas de asfalto, que "
        "cierran en las semanas más frías.",
        next_step="Obras Públicas presentará los cierres por distrito del concejo en la "
        "próxima reunión de KCStat, para que los distritos que más esperan reciban primero "
        "las cuadrillas de fin de semana.",
    ),
    "pothole-requests": Why(
        rose="Los avisos de baches siguen al clima: las noches heladas seguidas de deshielos "
        "rompen el pavimento, y los residentes reportan más.",
        fell="Un clima más suave y las calles repavimentadas la temporada pasada dejaron "
        "menos baches nuevos que reportar.",
        next_step="Antes del próximo invierno, las calles con avisos repetidos se cotejarán "
        "con la lista de repavimentación.",
    ),
    "potholes-repaired": Why(
        rose="Salieron más cuadrillas, también los fines de semana, y se taparon más baches "
        "reportados.",
        fell="Hubo menos cuadrillas disponibles, y algunas pasaron a retirar nieve durante "
        "las tormentas.",
        next_step="Obras Públicas comparará cada mes las reparaciones con los avisos nuevos "
        "para ver si las cuadrillas dan abasto.",
    ),
    "street-requests-median-days": Why(
        rose="Entre las solicitudes cerradas hubo más reparaciones grandes de calles, que "
        "llevan más tiempo que un bache.",
        fell="Las cuadrillas despacharon un grupo de solicitudes antiguas, y las nuevas eran "
        "reparaciones pequeñas que se cierran pronto.",
        next_step="Cada semana, los responsables de mantenimiento de calles recibirán por "
        "distrito las solicitudes que superan su plazo.",
    ),
    "street-repair-backlog": Why(
        rose="Llegaron solicitudes nuevas de calles más rápido de lo que las cuadrillas "
        "las cerraban.",
        fell="Las cuadrillas cerraron más solicitudes de calles de las que abrieron los "
        "residentes.",
        next_step="Obras Públicas llevará a la próxima reunión sobre infraestructura un plan "
        "para las solicitudes abiertas más antiguas.",
    ),
    "streetlight-median-days": Why(
        rose="Algunas reparaciones esperaron repuestos y a que la compañía eléctrica "
        "devolviera la corriente a los postes.",
        fell="Las luminarias LED instaladas este año fallan menos, y las cuadrillas llevan "
        "en sus camiones los repuestos más comunes.",
        next_step="Los apagones que dependen de la compañía eléctrica se seguirán por "
        "separado, para que los residentes sepan quién los está arreglando.",
    ),
    "water-outages-within-1-day": Why(
        rose="Las cuadrillas de guardia nocturna llegaron antes a las roturas, y menos "
        "roturas exigieron excavar bajo calles con mucho tránsito.",
        fell="Las olas de frío trajeron varias roturas a la vez, y las cuadrillas repararon "
        "primero las tuberías principales más grandes.",
        next_step="Servicios de Agua incluirá en el programa de reemplazo las tuberías "
        "principales que se rompieron más de una vez.",
    ),
    "water-leaks-median-days": Why(
        rose="Las reparaciones de fugas esperaron mientras las cuadrillas atendían primero "
        "las roturas de tuberías principales.",
        fell="En los meses cálidos, cuando casi no hay roturas, trabajaron más cuadrillas "
        "de fugas.",
        next_step="Las fugas en una calle donde está previsto reemplazar la tubería principal "
        "se arreglarán como parte de esa obra.",
    ),
    "storm-drains-within-timeframe": Why(
        rose="Antes de las lluvias de primavera, las cuadrillas limpiaron los sumideros de "
        "las calles que se inundaron el año pasado, y hubo menos avisos en espera.",
        fell="Las tormentas fuertes taparon muchos sumideros a la vez con hojas y escombros.",
        next_step="Los sumideros que se limpian más de dos veces al año recibirán una rejilla "
        "más grande o una fecha fija de limpieza.",
    ),
    "illegal-dumping-within-timeframe": Why(
        rose="Las cuadrillas de limpieza atendieron primero los lugares con cámaras, donde "
        "los avisos se repiten.",
        fell="En los meses cálidos, cuando aumentan los vertidos, llegaron más avisos de los "
        "que las cuadrillas podían atender a tiempo.",
        next_step="Residuos Sólidos compartirá con las oficinas del concejo los lugares con "
        "más avisos.",
    ),
    "tall-weeds-within-timeframe": Why(
        rose="Los terrenos desocupados se cortaron según un calendario, así que menos quejas "
        "necesitaron una visita.",
        fell="La lluvia y el calor hicieron crecer el pasto más rápido de lo que los "
        "inspectores podían atender las quejas.",
        next_step="Los terrenos reportados más de una vez pasarán a la lista de corte programado.",
    ),
    "missed-trash-requests": Why(
        rose="Las plazas de conductor vacantes dejaron rutas sin su cuadrilla habitual, y "
        "los suplentes se saltaron más paradas.",
        fell="Los conductores nuevos terminaron su formación, y más rutas tuvieron su "
        "cuadrilla habitual.",
        next_step="Residuos Sólidos presentará las vacantes junto a las recolecciones "
        "perdidas en cada reunión de KCStat sobre la zona.",
    ),
}
# The demo's other language: each narrative is written in it too, from the same numbers.
SPANISH = "es"


def build_demo_narratives() -> int:
    """Write an approved narrative for the latest period of every public measure with data.

    Return how many were written; earlier demo narratives are replaced.
    """
    written = 0
    measures = Measure.objects.filter(
        is_public=True, objective__goal__priority_area__plan__is_current=True
    ).select_related("department")
    for measure in measures:
        judged = status_for(measure)
        latest = judged.value
        if latest is None or latest.value is None:
            continue
        texts = {
            language: {
                "context": context_text(measure, judged, language),
                "actions": actions_text(measure, language),
                "next_steps": next_steps_text(measure, language),
            }
            for language in ("en", SPANISH)
        }
        Narrative.objects.update_or_create(
            measure=measure,
            period=latest.period,
            defaults={
                **texts["en"],
                "translations": {SPANISH: texts[SPANISH]},
                "state": Narrative.State.APPROVED,
            },
        )
        written += 1
    return written


def previous_value(value: MeasureValue) -> MeasureValue | None:
    return (
        MeasureValue.objects.filter(
            measure_id=value.measure_id,
            breakdown="",
            period_start__lt=value.period_start,
            value__isnull=False,
            is_partial=False,
        )
        .order_by("-period_start")
        .first()
    )


def context_text(measure: Measure, judged: MeasureStatus, language: str = "en") -> str:
    """Say, from the stored numbers, how the measure moved and where it stands."""
    with translation.override(language):
        if language == SPANISH:
            return " ".join(context_sentences_es(measure, judged))
        return " ".join(context_sentences(measure, judged))


def context_sentences(measure: Measure, judged: MeasureStatus) -> list[str]:
    latest = judged.value
    assert latest is not None and latest.value is not None
    unit = measure.unit
    sentences = [
        f"In {period_name(latest.period)} the measure stood at "
        f"{display.value_text(latest.value, unit)}."
    ]
    before = previous_value(latest)
    why = WHY.get(measure.slug)
    if before is not None and before.value is not None:
        moved = latest.value - before.value
        if round(moved, display.style_of(unit).decimals) == 0:
            sentences.append(f"That is the same as in {period_name(before.period)}.")
        else:
            word = "up" if moved > 0 else "down"
            sentences.append(
                f"That is {word} {display.difference(abs(moved), unit)} from "
                f"{period_name(before.period)}."
            )
            if why is not None:
                sentences.append(why.rose if moved > 0 else why.fell)
    if judged.target is not None:
        target = display.value_text(judged.target.value, unit)
        sentences.append(
            f"The target for FY{judged.target.fiscal_year} is {target}, and the measure is "
            f"“{judged.status.label}”."
        )
    else:
        sentences.append("The measure has no target for this fiscal year yet.")
    return sentences


def context_sentences_es(measure: Measure, judged: MeasureStatus) -> list[str]:
    """The same sentences in Spanish, with Spanish number and period forms."""
    latest = judged.value
    assert latest is not None and latest.value is not None
    unit = measure.unit
    sentences = [
        f"En {period_name(latest.period)} el indicador se situó en "
        f"{display.value_text(latest.value, unit)}."
    ]
    before = previous_value(latest)
    why = WHY_ES.get(measure.slug)
    if before is not None and before.value is not None:
        moved = latest.value - before.value
        if round(moved, display.style_of(unit).decimals) == 0:
            sentences.append(f"Es lo mismo que en {period_name(before.period)}.")
        else:
            word = "más" if moved > 0 else "menos"
            sentences.append(
                f"Son {display.difference(abs(moved), unit)} {word} que en "
                f"{period_name(before.period)}."
            )
            if why is not None:
                sentences.append(why.rose if moved > 0 else why.fell)
    if judged.target is not None:
        target = display.value_text(judged.target.value, unit)
        sentences.append(
            f"El valor meta del año fiscal {judged.target.fiscal_year} es {target}, y su "
            f"estado es «{judged.status.label}».",
        )
    else:
        sentences.append("El indicador todavía no tiene valor meta para este año fiscal.")
    return sentences


def actions_text(measure: Measure, language: str = "en") -> str:
    """Name the plan's strategies that should move this measure, with their progress."""
    strategies = Strategy.objects.filter(measures=measure).select_related("department")
    lines = []
    with translation.override(language):
        for strategy in strategies.order_by("position", "title"):
            who = strategy.department.name if strategy.department else _CITY[language]
            title = localized(strategy, "title", language).text
            description = localized(strategy, "description", language).text
            lines.append(
                f"{who}: {title} ({strategy.get_progress_display().lower()}). {description}".strip()
            )
    if lines:
        return "\n\n".join(lines)
    owner = measure.department.name if measure.department else _DEPARTMENT[language]
    if language == SPANISH:
        return (
            f"{owner} revisa este indicador cada mes con la oficina de desempeño y lleva "
            "cualquier cambio de tendencia a la próxima reunión de KCStat sobre esta meta."
        )
    return (
        f"{owner} reviews this measure every month with the performance office and brings "
        "any change in the trend to the next KCStat meeting on this goal."
    )


_CITY = {"en": "The city", SPANISH: "La ciudad"}
_DEPARTMENT = {"en": "The department", SPANISH: "El departamento"}


def next_steps_text(measure: Measure, language: str = "en") -> str:
    why = (WHY_ES if language == SPANISH else WHY).get(measure.slug)
    if why is not None:
        return why.next_step
    if language == SPANISH:
        return (
            "El departamento explicará el resultado del próximo periodo en la reunión de "
            "KCStat sobre esta meta, y dirá si el valor meta sigue siendo adecuado."
        )
    return (
        "The department will explain the next period's result at the KCStat meeting on "
        "this goal, and say whether the target still fits."
    )
