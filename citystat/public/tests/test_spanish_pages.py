"""Every public page of a demo city, read in Spanish, holds no English UI words.

What the city wrote itself (goal and measure names, narratives, dataset titles, place names,
survey questions) stays as written: the test removes every string stored in the database and
every place name before looking, so only text the software adds is checked.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any

import polib  # type: ignore[import-untyped]
import pytest
from django.apps import apps
from django.db import models
from django.utils import translation

from citystat.catalog.models import Dataset
from citystat.catalog.preview import preview_rows
from citystat.city.places import places
from citystat.demo.build import build_demo_city
from citystat.engagement.models import AreaKind, Question, Update
from citystat.lib.charts import render_svg
from citystat.meetings.models import Meeting
from citystat.plan.models import Goal, Measure, Plan, Status
from citystat.public.tests.test_translations import CATALOG
from citystat.surveys.models import ServiceProfile, Survey

pytestmark = pytest.mark.slow

# English words and phrases the software itself writes on public pages. Each is matched as a
# whole word, case-sensitively, so Spanish words that merely contain them do not count.
ENGLISH_UI = [
    "Council district",
    "council district",
    "Monthly",
    "Quarterly",
    "Each fiscal year",
    "Each calendar year",
    "Higher is better",
    "Lower is better",
    "Stay within a range",
    "On track",
    "on track",
    "Needs attention",
    "needs attention",
    "Off track",
    "off track",
    "No recent data",
    "Target pending",
    "No data yet",
    "no data",
    "Percent",
    "percent",
    "percentage points",
    "In progress",
    "Completed",
    "Complete",
    "Planned",
    "Under way",
    "On hold",
    "updated",
    "Updated",
    "ago",
    "Download",
    "download",
    "Forecast",
    "forecast",
    "Target",
    "target",
    "Scheduled",
    "Cancelled",
    "Moved",
    "Held",
    "Daily",
    "Weekly",
    "Yearly",
    "As needed",
    "Whole city",
    "Resident survey",
    "Employee survey",
    "Neighborhood",
    "Value",
    "Period",
    "Month",
    "Status",
    "Source",
    "days",
    "day",
    "requests",
    "residents",
    "per 1,000",
    "satisfied",
    "Satisfied",
    "the city",
    "of the",
    "and the",
    "by type",
    "Fiscal year",
    "budget",
    "Area",
    "Gap",
    "Map",
    "Priority",
    "very high",
    "act first",
    "maintain",
    "lower priority",
    "always filled in",
    "at least",
    "at most",
    "one of",
    "unique",
    "string",
    "integer",
    "boolean",
    "over time",
    "by area",
    # Little words every English sentence has and no Spanish one does.
    "The",
    "the",
    "and",
    "with",
    "from",
    "This",
    "this",
    "than",
    "is",
    "are",
    "was",
    "has",
    "will",
    "for",
    "latest",
    "January",
    "February",
    "March",
    "April",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    # Abbreviations Spanish shares ("Mar", "Nov"…) are left out.
    "Jan",
    "Apr",
    "Aug",
    "Dec",
]
ENGLISH_PATTERN = re.compile(
    r"(?<![\wÁÉÍÓÚáéíóúñÑ])("
    + "|".join(re.escape(word) for word in sorted(ENGLISH_UI, key=len, reverse=True))
    + r")(?![\wÁÉÍÓÚáéíóúñÑ])"
)
# A date written with an English format on a Spanish page: "27 noviembre 2026, 2:55 AM".
SPANISH_MONTHS = (
    "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre"
)
ENGLISH_DATE = re.compile(rf"\b\d{{1,2}} ({SPANISH_MONTHS}) \d{{4}}|\d:\d\d [AP]M\b")
# A <pre> holds program code to copy (the dataset page's API examples): no language's UI.
SKIPPED_TAGS = {"script", "style", "template", "noscript", "pre"}
# Attributes a person hears or sees: screen-reader names, image text, hints.
READ_ATTRIBUTES = {"aria-label", "alt", "title", "placeholder"}


# Keys of a Vega-Lite spec whose strings a reader sees: axis, legend and tooltip titles and
# the chart's description (its accessible name in the browser).
SPEC_TEXT_KEYS = {"title", "description"}


def spec_strings(value: object) -> list[str]:
    """Return the strings of a chart spec that readers see, data values left out."""
    if isinstance(value, dict):
        found = [v for k, v in value.items() if k in SPEC_TEXT_KEYS and isinstance(v, str)]
        for key, item in value.items():
            if key != "data":
                found += spec_strings(item)
        return found
    if isinstance(value, list):
        return [text for item in value for text in spec_strings(item)]
    return []


class VisibleText(HTMLParser):
    """Collect the text a reader sees or hears: element text and a few attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skipping = 0
        # A chart's <svg role="img"> is one image to a screen reader: its aria-label is
        # read, the labels vega writes on each mark inside it are not.
        self.in_svg = 0
        self.in_json = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED_TAGS:
            self.skipping += 1
        # The chart specs pages hand to vega-embed: what the browser draws.
        self.in_json = tag == "script" and ("type", "application/json") in attrs
        if not self.in_svg:
            for name, value in attrs:
                if name in READ_ATTRIBUTES and value:
                    self.parts.append(value)
        if tag == "svg":
            self.in_svg += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED_TAGS and self.skipping:
            self.skipping -= 1
        if tag == "svg" and self.in_svg:
            self.in_svg -= 1

    def handle_data(self, data: str) -> None:
        if self.in_json:
            self.parts += spec_strings(json.loads(data))
            self.in_json = False
        elif not self.skipping and data.strip():
            self.parts.append(data)


def visible_text(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return [" ".join(part.split()) for part in parser.parts]


def strings_in(value: object) -> list[str]:
    """Return every string inside a stored JSON value (place names, survey questions…)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in strings_in(item)]
    if isinstance(value, list | tuple):
        return [text for item in value for text in strings_in(item)]
    return []


IDENTIFIER = re.compile(r"^[a-z0-9_.-]*$")


def is_prose(text: str) -> bool:
    """Is this stored string something a person reads (not a code such as "district")?"""
    return len(text.strip()) > 2 and not IDENTIFIER.match(text.strip())


def readable(text: str) -> str:
    return " ".join(text.split())


def city_content() -> list[str]:
    """Every string the city stored (titles, narratives, place names), longest first."""
    found: set[str] = set()
    for model in apps.get_models():
        if not model.__module__.startswith("citystat."):
            continue
        fields = [
            field.name
            for field in model._meta.concrete_fields
            if isinstance(field, models.CharField | models.TextField | models.JSONField)
            and not field.choices
        ]
        if not fields:
            continue
        for row in model._default_manager.values_list(*fields):
            found.update(readable(text) for text in strings_in(list(row)) if is_prose(text))

    for dataset in Dataset.objects.filter(is_public=True):
        # Rows of the city's data (request types, statuses) reach pages as they are.
        for row in preview_rows(dataset, limit=100_000)[1]:
            found.update(readable(cell) for cell in row if isinstance(cell, str) and is_prose(cell))
    return sorted(found, key=len, reverse=True)


def english_left(html: str, content: list[str]) -> list[str]:
    """Return each piece of visible text that still holds an English UI word."""
    everything = "\n".join(content)
    offenders = []
    for part in visible_text(html):
        # A search snippet or a title cut short is still the city's own text.
        if part.strip(" …-.,:;") in everything:
            continue
        # Addresses (feed ids, the embed snippet) are not words.
        text = re.sub(r"https?://\S+", " ", part)
        for written in content:
            if written in text:
                # Whole words only: the city's "Form" must not hollow out "Formulario".
                text = re.sub(rf"(?<!\w){re.escape(written)}(?!\w)", " ", text)
        match = ENGLISH_PATTERN.search(text) or ENGLISH_DATE.search(text)
        if match:
            offenders.append(f"{match.group(0)!r} in {part[:300]!r}")
    return offenders


def public_pages() -> list[str]:
    """One URL of every public page type, taken from what the demo city holds."""

    plan = Plan.current()
    assert plan is not None, "the demo city has no current plan"
    area = plan.priority_areas.all()[0]
    goal = Goal.objects.filter(priority_area__plan=plan)[0]
    # The measure page with most parts: a breakdown (map + table), strategies, targets.
    measure = Measure.objects.filter(values__breakdown="council_district").distinct()[0]
    dataset = Dataset.objects.filter(is_public=True)[0]
    pages = [
        "/",
        "/priorities/",
        area.get_absolute_url(),
        goal.get_absolute_url(),
        measure.get_absolute_url(),
        f"/embed/measures/{measure.slug}/",
        "/neighborhoods/",
        "/search/?q=street",
        "/search/?q=pothole",
        "/subscribe/",
        "/how-we-measure/",
        "/glossary/",
        "/accessibility/",
        "/headline-measures/",
        "/datasets/",
        f"/datasets/{dataset.slug}/",
        "/meetings/",
        "/updates/",
        "/questions/",
        "/questions/ask/",
        "/priorities/pick/",
        "/priorities/pick/results/",
        "/budget/",
        "/surveys/",
        "/services/",
        "/no-such-page/",
    ]
    pages += [
        places("neighborhood")[0].get_absolute_url(),
        places("district")[0].get_absolute_url(),
    ]
    meeting = Meeting.objects.filter(status=Meeting.Status.HELD).first() or Meeting.objects.first()
    if meeting:
        pages.append(meeting.get_absolute_url())
    if meeting:
        pages.append(f"/meetings/{meeting.pk}/board/")
    question = Question.objects.filter(state=Question.State.ANSWERED).first()
    if question:
        pages.append(f"/questions/{question.pk}/")
    update = Update.objects.first()
    if update:
        pages.append(update.get_absolute_url())
    survey = Survey.objects.first()
    if survey:
        pages.append(f"/surveys/{survey.slug}/")
    service = ServiceProfile.objects.first()
    if service:
        pages.append(f"/services/{service.slug}/")
    return pages


@pytest.fixture(autouse=True)
def english_afterwards():
    """Spanish requests leave Spanish active in this thread; later tests expect English."""
    yield
    translation.activate("en")


@pytest.fixture
def demo_city(settings, tmp_path, db):
    settings.CITYSTAT_HOME = tmp_path / "home"
    settings.CITYSTAT_HOME.mkdir()
    build_demo_city(rows=2_000, seed=7)


FEEDS = ["/updates/feed.atom", "/feeds/meetings.atom"]


def test_every_public_page_in_spanish_holds_no_english_ui_words(demo_city, client):
    content = city_content()
    found: dict[str, list[str]] = {}
    district = places("district")[0].get_absolute_url()
    for url in [*public_pages(), *FEEDS, f"{district}feed.atom"]:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="es")
        assert response.status_code in (200, 404), f"{url} answered {response.status_code}"
        html = response.content.decode()
        # Feeds and the live board (a fragment the meeting page reloads) have no <html>.
        document = "<html" in html
        assert not document or '<html lang="es">' in html, f"{url} is not in Spanish"
        offenders = english_left(html, content)
        if offenders:
            found[url] = offenders
    report = "\n".join(f"{url}:\n  " + "\n  ".join(words) for url, words in found.items())
    assert not found, f"English left on Spanish pages:\n{report}"


def test_english_left_sees_ui_words_but_not_the_citys_own_text():
    html = (
        "<main><h1>Potholes fixed on time</h1><p>Monthly</p>"
        '<button aria-label="Download the data">⤓</button>'
        "<script>var x = 'Target';</script><p>Mensual</p></main>"
    )
    offenders = english_left(html, ["Potholes fixed on time"])
    assert offenders == [
        "'Monthly' in 'Monthly'",
        "'Download' in 'Download the data'",
    ]
    assert english_left("<p>Objetivo: 90 %</p><p>Target Field Day</p>", ["Target Field Day"]) == []
    assert english_left(
        "<p>27 noviembre 2026, 2:55 AM</p><p>3 de junio de 2025, 14:00</p>", []
    ) == ["'27 noviembre 2026' in '27 noviembre 2026, 2:55 AM'"]


PUBLIC_CHOICES = [
    "plan.Measure.unit",
    "plan.Measure.direction",
    "plan.Measure.frequency",
    "plan.Target.style",
    "plan.MeasureValue.origin",
    "plan.Strategy.progress",
    "catalog.Dataset.update_frequency",
    "meetings.Meeting.status",
    "meetings.AgendaItem.kind",
    "meetings.FollowUp.status",
    "engagement.Question.channel",
    "engagement.Question.state",
    "engagement.Subscription.subject",
    "surveys.Survey.kind",
]


def choice_field(dotted: str) -> models.Field[Any, Any]:
    app_label, model_name, field_name = dotted.split(".")
    return apps.get_model(app_label, model_name)._meta.get_field(field_name)  # type: ignore[return-value]


@pytest.mark.parametrize("dotted", PUBLIC_CHOICES)
def test_each_public_choice_label_is_translated(dotted):
    catalog = {entry.msgid: entry.msgstr for entry in polib.pofile(str(CATALOG / "django.po"))}
    field = choice_field(dotted)
    assert field.choices, f"{dotted} has no choices"
    for _value, label in field.choices:
        assert not isinstance(label, str), f"{dotted}: {label!r} is not marked for translation"
        with translation.override("en"):
            english = str(label)
        assert catalog.get(english), f"{dotted}: {english!r} has no Spanish in the catalog"
        with translation.override("es"):
            assert str(label) == catalog[english]


def test_the_status_labels_are_translated():
    for choices in (Status, AreaKind):
        for label in choices.labels:
            with translation.override("es"):
                spanish = str(label)
            with translation.override("en"):
                english = str(label)
            assert spanish != english, f"{english!r} reads the same in Spanish"


def test_server_drawn_charts_name_months_in_the_readers_language(db):
    spec = {
        "data": {"values": [{"month": "2026-01-01", "n": 3}, {"month": "2026-09-01", "n": 5}]},
        "mark": "line",
        "encoding": {
            "x": {"field": "month", "type": "temporal"},
            "y": {"field": "n", "type": "quantitative"},
        },
    }
    with translation.override("es"):
        spanish = render_svg(spec)
    with translation.override("en"):
        english = render_svg(spec)
    assert ">abril<" in spanish and "April" not in spanish
    assert ">April<" in english
