"""The demo city's resident engagement: questions on past and coming meetings, updates,
and an open pick-your-priorities round with ballots from every district.

Seeded, so every build is the same relative to the day it runs. Past held meetings get
approved questions, most answered (live with a recording time, or in writing); the next
meeting gets a few waiting for moderation, one of them flagged as likely spam.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone, translation
from django.utils.text import slugify

from citystat.catalog.models import Dataset
from citystat.city.places import places
from citystat.city.translations import localized
from citystat.engagement.intake import Intake, receive_question
from citystat.engagement.models import (
    AreaKind,
    PriorityBallot,
    PriorityRound,
    Question,
    Update,
    Watch,
)
from citystat.engagement.priorities import round_choices
from citystat.engagement.watches import declare_watch
from citystat.meetings.models import Meeting
from citystat.plan import display
from citystat.plan.models import Measure, MeasureValue
from citystat.plan.templatetags.plan_periods import period_name

# Each resident question with its answer, on the same subject, and the measure it is
# about (or None). An answer that cites a figure reads it from the measure's stored values
# when the demo is built (answer_text), so it always agrees with the measure page.
QUESTIONS: list[tuple[str, str, str | None]] = [
    (
        "How long does the city take to fix a pothole once it is reported?",
        "Crews aim to fix a reported pothole within 7 days. {latest} The pothole measure "
        "page shows every month and each council district.",
        "potholes-closed-within-7-days",
    ),
    (
        "Why did trash pickup on our street get skipped twice this month?",
        "Most missed trash pickups happen on routes without their regular crew while "
        "Solid Waste fills open driver positions. Report each missed pickup to 311: the "
        "crew comes back for it, and repeated misses on one route are reviewed at KCStat.",
        "missed-trash-requests",
    ),
    (
        "Are there plans to add streetlights along the trail?",
        "Lighting along the trail is on the Parks and Recreation list of capital requests. "
        "When new trail streetlights are funded, the schedule will be posted on the updates "
        "page; a streetlight that is out today can be reported to 311.",
        None,
    ),
    (
        "What is the city doing about vacant houses on our block?",
        "Vacant houses that are open to entry or unsafe go on the dangerous buildings list, "
        "and the most dangerous are demolished first. {latest} The demolitions update for "
        "your neighborhood lists the planned ones.",
        "dangerous-buildings-demolished",
    ),
    (
        "Will the sidewalk repairs near the school be done before winter?",
        "Sidewalk repairs near schools and bus stops are scheduled first. {latest} You can "
        "follow the sidewalk, curb and ditch measure to hear when it changes.",
        "sidewalk-repairs-within-timeframe",
    ),
    (
        "How are 311 requests prioritized when crews are short-staffed?",
        "311 requests that affect safety, such as a traffic signal out or a home without "
        "water, are worked first; other requests are worked in the order they arrive. Each "
        "request type has a promised timeframe. {latest}",
        "requests-within-timeframe",
    ),
    (
        "Can the data on tall grass complaints be shown by neighborhood?",
        "Yes. Tall grass and weeds complaints are in the 311 requests dataset, which has a "
        "neighborhood column: the dataset page filters the requests by neighborhood and "
        "downloads them.",
        "tall-weeds-within-timeframe",
    ),
    (
        "When will the water main work on our street be finished?",
        "Water is usually back the same day or the next after a main breaks. {latest} "
        "Replacing a whole main takes longer; Water Services posts those projects by "
        "street on the updates page.",
        "water-outages-within-1-day",
    ),
]
# Each answer above as the city's translator would write it for the Spanish site, keyed
# by the question (a resident's own question is never translated). `{latest}` is filled
# in Spanish, with Spanish number and date forms (answer_text).
ANSWERS_ES: dict[str, str] = {
    "How long does the city take to fix a pothole once it is reported?": (
        "Las cuadrillas buscan reparar cada bache reportado en un plazo de 7 días. {latest} "
        "En la página del indicador de baches puede ver cada mes y cada distrito del concejo."
    ),
    "Why did trash pickup on our street get skipped twice this month?": (
        "La mayoría de las recolecciones de basura que se saltan ocurren en rutas que no "
        "tienen su cuadrilla habitual mientras Residuos Sólidos cubre las plazas de "
        "conductor vacantes. Reporte cada recolección perdida al 311: la cuadrilla vuelve a "
        "recogerla, y las rutas con fallas repetidas se revisan en KCStat."
    ),
    "Are there plans to add streetlights along the trail?": (
        "El alumbrado del sendero está en la lista de solicitudes de inversión de Parques y "
        "Recreación. Cuando se financien las nuevas luminarias, el calendario se publicará en "
        "la página de novedades; si hoy hay una luminaria apagada, puede reportarla al 311."
    ),
    "What is the city doing about vacant houses on our block?": (
        "Las casas desocupadas que están abiertas o son inseguras pasan a la lista de "
        "edificios peligrosos, y las más peligrosas se demuelen primero. {latest} La novedad "
        "sobre demoliciones de su vecindario enumera las que están previstas."
    ),
    "Will the sidewalk repairs near the school be done before winter?": (
        "Las reparaciones de aceras cerca de escuelas y paradas de autobús se programan "
        "primero. {latest} Puede seguir el indicador de aceras, bordillos y cunetas para "
        "enterarse cuando cambie."
    ),
    "How are 311 requests prioritized when crews are short-staffed?": (
        "Las solicitudes al 311 que afectan la seguridad, como un semáforo apagado o una "
        "vivienda sin agua, se atienden primero; las demás se atienden en el orden en que "
        "llegan. Cada tipo de solicitud tiene un plazo de respuesta comprometido. {latest}"
    ),
    "Can the data on tall grass complaints be shown by neighborhood?": (
        "Sí. Las quejas por pasto alto y maleza están en el conjunto de datos de solicitudes "
        "al 311, que tiene una columna de vecindario: en la página del conjunto de datos "
        "puede filtrar las solicitudes por vecindario y descargarlas."
    ),
    "When will the water main work on our street be finished?": (
        "Cuando se rompe una tubería principal, el agua suele volver el mismo día o el "
        "siguiente. {latest} Reemplazar una tubería completa lleva más tiempo; Servicios de "
        "Agua publica esas obras, calle por calle, en la página de novedades."
    ),
}
PENDING = [
    "Could the city publish snow-plow routes before the next storm?",
    "Why does it take so long to close abandoned-vehicle requests in my district?",
    "BUY NOW!!! cheap loans at https://spam.example and https://spam.example/more",
]


def build_demo_engagement(seed: int = 2024) -> None:
    """Add the demo's questions, updates and priority round (replacing earlier ones)."""
    rng = random.Random(seed)
    Question.objects.all().delete()
    Update.objects.all().delete()
    PriorityRound.objects.all().delete()
    neighborhoods = [place.name for place in places("neighborhood")] or ["Downtown"]
    districts = [place.name for place in places("district")]
    now = timezone.now()
    past = list(Meeting.objects.filter(ends_at__lt=now, status="held").order_by("-starts_at")[:4])
    for meeting in past:
        for index, (text, answer, slug) in enumerate(rng.sample(QUESTIONS, 3)):
            measure = Measure.objects.filter(slug=slug).first() if slug else None
            question = receive_question(
                Intake(
                    text=text,
                    channel=rng.choice(["form", "mastodon"]),
                    neighborhood=rng.choice(neighborhoods),
                    meeting_id=meeting.pk,
                    source="demo",
                    external_id=f"{meeting.pk}-{index}",
                )
            )
            question.state = Question.State.ANSWERED
            question.measure = measure
            question.goal = measure.objective.goal if measure else None
            if index == 0:
                question.live = Question.Live.ANSWERED_LIVE
                question.answered_live_at = meeting.starts_at + dt.timedelta(minutes=40)
                question.recording_seconds = rng.randrange(1200, 4800)
            else:
                question.answer = answer_text(answer, measure)
                spanish = answer_text(ANSWERS_ES[text], measure, "es")
                question.translations = {"es": {"answer": spanish}}
            question.answered_at = meeting.ends_at
            question.created_at = meeting.starts_at - dt.timedelta(days=rng.randrange(1, 6))
            question.save()
    coming = Meeting.objects.filter(starts_at__gt=now).order_by("starts_at").first()
    for index, text in enumerate(PENDING):
        receive_question(
            Intake(
                text=text,
                channel="form",
                neighborhood=rng.choice(neighborhoods),
                meeting_id=coming.pk if coming else None,
                source="demo",
                external_id=f"pending-{index}",
            )
        )
    build_demo_updates(neighborhoods, districts, rng)
    build_demo_round(districts, rng)


def answer_text(answer: str, measure: Measure | None, language: str = "en") -> str:
    """Fill `{latest}` in an answer with the measure's latest value, from the stored values,
    written in `language` (its number and date forms, the measure's title in it)."""
    latest = None
    if measure is not None and measure.is_public:
        latest = (
            MeasureValue.objects.filter(
                measure=measure, breakdown="", value__isnull=False, is_partial=False
            )
            .order_by("-period_start")
            .first()
        )
    if latest is None or latest.value is None or measure is None:
        return " ".join(answer.replace("{latest}", "").split())
    with translation.override(language):
        period = period_name(latest.period)
        value = display.value_text(latest.value, measure.unit)
        title = localized(measure, "title", language).text
        if language == "es":
            fact = f"La cifra más reciente, de {period}, es {value} en el indicador «{title}»."
        else:
            fact = f"The latest figure, for {period}, is {value} on the measure “{title}”."
    return answer.replace("{latest}", fact)


def build_demo_updates(neighborhoods: list[str], districts: list[str], rng: random.Random) -> None:
    demolitions = Dataset.objects.filter(slug="demolitions").first()
    now = timezone.now()
    chosen = rng.sample(neighborhoods, min(3, len(neighborhoods)))
    for days_ago, neighborhood in zip([2, 9, 20], chosen, strict=False):
        update = Update.objects.create(
            title=f"Demolitions planned in {neighborhood} this quarter",
            translations={
                "es": {
                    "title": f"Demoliciones previstas en {neighborhood} este trimestre",
                    "body": f"La ciudad tiene previsto demoler edificios desocupados y "
                    f"peligrosos en {neighborhood}. La lista de abajo se actualiza sola: sigue "
                    "el conjunto de datos de demoliciones a medida que las cuadrillas lo "
                    "actualizan.\n\n¿Tiene preguntas? Hágalas en la próxima reunión de KCStat.",
                }
            },
            # Neighborhood names hold "/" and accents ("Marlborough/Pride"); a URL slug may not.
            slug=slugify(f"demolitions {neighborhood}")[:80],
            body=f"The city plans to demolish dangerous vacant buildings in {neighborhood}. "
            "The list below is live: it follows the demolitions dataset as crews update it.\n\n"
            "Questions? Ask them at the next KCStat meeting.",
            published_at=now - dt.timedelta(days=days_ago),
            dataset=demolitions,
            dataset_filter=[
                {"field": "neighborhood", "value": neighborhood},
                {"field": "status", "value": "planned"},
            ]
            if demolitions
            else [],
        )
        update.areas.create(kind=AreaKind.NEIGHBORHOOD, name=neighborhood)
    if demolitions is not None:
        # The seed's "tell residents about demolitions on their block": each later load of
        # the dataset (`citystat ingest demolitions FILE`) drafts and publishes the news.
        declare_watch(
            demolitions.slug,
            rows=Watch.Rows.BOTH,
            places=["neighborhood", "council_district=district"],
            show=["street_address", "reason", "status", "planned_date"],
            publish=True,
        )
    measure = Measure.objects.filter(is_public=True, is_headline=True).first()
    if measure is not None:
        spanish_title = localized(measure, "title", "es").text
        update = Update.objects.create(
            title=f"Where we stand: {measure.title}"[:200],
            translations={
                "es": {
                    "title": f"Cómo vamos: {spanish_title}"[:200],
                    "body": "Uno de los indicadores principales del plan, tal como está hoy.",
                }
            },
            slug="where-we-stand",
            body="A headline measure of the plan, as it stands today.",
            published_at=now - dt.timedelta(days=5),
            measure=measure,
        )
        for district in districts[:2]:
            update.areas.create(kind=AreaKind.DISTRICT, name=district)


def build_demo_round(districts: list[str], rng: random.Random) -> None:
    priority_round = PriorityRound.objects.create(
        title="Pick your priorities: next year's budget",
        slug="next-budget",
        is_open=True,
        opened_at=timezone.now() - dt.timedelta(days=10),
    )
    keys = [choice.key for choice in round_choices(priority_round)]
    if not keys:
        return
    ballots = []
    for number in range(240):
        ranking = keys[:]
        rng.shuffle(ranking)
        ballots.append(
            PriorityBallot(
                round=priority_round,
                voter=f"demo-{number}",
                district=rng.choice(districts) if districts else "",
                ranking=ranking[: rng.randint(2, len(ranking))],
            )
        )
    PriorityBallot.objects.bulk_create(ballots)
