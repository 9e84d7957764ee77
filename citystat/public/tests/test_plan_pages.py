"""Priority, goal and measure pages: status rule, target history, downloads, 404s, embeds."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from citystat.city.models import CityProfile
from citystat.engagement.models import Update
from citystat.lib.tests.chart_checks import unnamed_tooltip_fields
from citystat.meetings.models import Meeting
from citystat.plan.models import Measure, MeasureValue
from citystat.public import plan_pages
from citystat.public.tests.measure_city import DISTRICTS, LATEST, build_measure_city

MEASURE = "/measures/potholes-closed/"


@pytest.fixture
def city(db, monkeypatch):
    cache.clear()
    with time_machine.travel("2026-11-27 12:00 +00:00", tick=True):
        yield build_measure_city()


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_the_measure_page_states_its_status_and_the_rule_that_gave_it(client, city):
    body = page(client, MEASURE)
    assert '<span class="status status-needs-attention">Needs attention</span>' in body
    assert "The FY2027 target is 90.0% or more (higher is better)." in body
    assert (
        "Up to 3.0 percentage points off the target counts as on track, up to 6.0 percentage "
        "points needs attention, and more than that is off track."
    ) in body
    assert "The latest value, 85.0% for October 2026, is therefore “Needs attention”." in body


def test_a_bands_target_explains_its_threshold(client, city):
    measure = Measure.objects.get(slug="potholes-closed")
    target = measure.targets.get(fiscal_year=2027)
    target.style = "bands"
    target.off_track_at = 80
    target._change_reason = "bands are clearer"
    target.save()
    body = page(client, MEASURE)
    assert (
        "The FY2027 target is 90.0% or more. At or above it the measure is on track; "
        "below 80.0% it is off track; in between it needs attention."
    ) in body


def test_the_measure_page_shows_the_target_history_with_its_reason(client, city):
    body = page(client, MEASURE)
    assert re.search(
        r"FY2027 target lowered from 95.0% to 90.0% on \d+ \w+ 2026 "
        r"because the crew budget was cut\.",
        body,
    )
    assert "FY2026 target set at 80.0%" in body


def test_the_measure_page_shows_narrative_strategies_definition_and_source(client, city):
    body = page(client, MEASURE)
    assert "A wet October opened more potholes than crews could reach." in body
    assert 'Weekend pothole blitz</strong> <span class="strategy-progress">(Under way)' in body
    assert "Share of pothole requests closed within 7 days of being opened." in body
    assert '<a href="/datasets/requests/">311 requests</a>' in body
    assert '<a href="/questions/ask/?measure=potholes-closed">' in body


def test_the_chart_is_drawn_on_the_server_and_given_to_the_browser_as_a_spec(client, city):
    body = page(client, MEASURE)
    chart = body[body.index('data-chart-spec="chart-spec-measure"') :]
    assert chart.index("<svg") < chart.index("</div>")
    assert 'role="img" aria-label="Potholes closed within 7 days"' in chart
    spec_json = re.search(
        r'<script id="chart-spec-measure" type="application/json">(.*?)</script>', body, re.S
    )
    assert spec_json
    spec = json.loads(spec_json.group(1))
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert marks == ["area", "line", "line", "line"]  # band, target, forecast, values


def test_the_values_table_holds_the_same_numbers_as_the_json_download(client, city):
    body = page(client, MEASURE)
    table = body[
        body.index('id="values-table"') : body.index("</table>", body.index("values-table"))
    ]
    shown = [float(v) for v in re.findall(r'data-value="([^"]+)"', table)]
    data = json.loads(page(client, MEASURE + "values.json"))
    overall = [row["value"] for row in data["values"] if not row["breakdown"]]
    assert shown == overall
    assert shown[-1] == LATEST


def test_downloads_hold_every_stored_value(client, city):
    stored = MeasureValue.objects.filter(measure__slug="potholes-closed")
    data = json.loads(page(client, MEASURE + "values.json"))
    assert len(data["values"]) == stored.count()
    by_key = {(r["period"], r["breakdown_value"]): r["value"] for r in data["values"]}
    for value in stored:
        assert by_key[(value.period, value.breakdown_value)] == value.value
    response = client.get(MEASURE + "values.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="potholes-closed.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == stored.count()
    assert {(r["period"], r["breakdown_value"], float(r["value"])) for r in rows} == {
        (v.period, v.breakdown_value, v.value) for v in stored
    }


def test_values_csv_escapes_breakdown_text_but_not_negative_values(client, city):
    stored = MeasureValue.objects.filter(measure__slug="potholes-closed").exclude(breakdown="")
    stored.filter(pk=stored.first().pk).update(breakdown_value="=HYPERLINK(1)", value=-3.5)
    rows = list(csv.DictReader(io.StringIO(page(client, MEASURE + "values.csv"))))
    row = next(row for row in rows if row["breakdown_value"].endswith("HYPERLINK(1)"))
    assert row["breakdown_value"] == "'=HYPERLINK(1)"
    assert row["value"] == "-3.5"
    kept = list(csv.DictReader(io.StringIO(page(client, MEASURE + "values.csv?formulas=keep"))))
    assert "=HYPERLINK(1)" in {row["breakdown_value"] for row in kept}


def test_the_district_breakdown_is_a_map_and_a_ranked_table(client, city):
    body = page(client, MEASURE)
    section = body[body.index('id="by-council_district"') :]
    assert '<script id="council_district" type="application/json">' in section
    table = section[section.index("breakdown__table") : section.index("</table>")]
    # Higher is better: district 2 (78%) ranks above district 1 (64%) for 2026-10.
    rows = re.findall(r"<tr><td>(\d)</td><th scope=\"row\">(.*?)</th><td>(.*?)</td>", table)
    assert rows == [
        ("1", '<a href="/districts/2/">District 2</a>', "78.0%"),
        ("2", '<a href="/districts/1/">District 1</a>', "64.0%"),
    ]
    assert "A Person" not in body  # boundary properties other than the name never reach the page


def test_the_equity_view_gives_best_worst_and_gap_per_period(city):
    measure = Measure.objects.get(slug="potholes-closed")
    rows = plan_pages.equity_rows(measure, "council_district")
    assert [(r.period, r.best_name, r.worst_name, r.gap) for r in rows] == [
        ("2026-09", "District 2", "District 1", DISTRICTS["2"][0] - DISTRICTS["1"][0]),
        ("2026-10", "District 2", "District 1", DISTRICTS["2"][1] - DISTRICTS["1"][1]),
    ]
    measure.direction = Measure.Direction.LOWER_IS_BETTER
    assert plan_pages.equity_rows(measure, "council_district")[0].best_name == "District 1"


def test_the_equity_charts_tooltip_names_its_fields_in_the_readers_language(city):
    measure = Measure.objects.get(slug="potholes-closed")
    with translation.override("es"):
        spec = plan_pages.equity_chart(measure, plan_pages.equity_rows(measure, "council_district"))
    assert unnamed_tooltip_fields(spec) == []
    assert [entry["title"] for entry in spec["encoding"]["tooltip"]] == ["Periodo", "Diferencia"]


def test_an_unknown_measure_gets_a_404_that_suggests_close_matches(client, city):
    response = client.get("/measures/potholes-closd/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "We could not find that measure" in body
    assert '<a href="/measures/potholes-closed/">Potholes closed within 7 days</a>' in body


def test_unknown_goals_and_priorities_suggest_too(client, city):
    response = client.get("/goals/street/")
    assert response.status_code == 404
    assert '<a href="/goals/streets/">Keep streets in good repair</a>' in response.content.decode()
    response = client.get("/priorities/infrastructur/")
    assert response.status_code == 404
    assert '<a href="/priorities/infrastructure/">' in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/measures/draft/",
        "/measures/draft/values.json",
        "/measures/draft/values.csv",
        "/measures/draft/card.png",
        "/embed/measures/draft/",
    ],
)
def test_an_internal_measure_is_not_public(client, city, url):
    response = client.get(url)
    assert response.status_code == 404
    assert b"Draft" not in response.content


def test_internal_measures_are_never_suggested(client, city):
    body = client.get("/measures/draf/").content.decode()
    assert "/measures/draft/" not in body


def test_a_measure_without_data_says_so_and_why(client, city):
    body = page(client, "/measures/lane-miles/")
    assert "No data yet." in body
    assert "The department has not entered a value for this measure yet." in body
    assert "chart-spec-measure" not in body
    assert "No recent data" in body


def test_text_from_staff_is_escaped(client, city):
    Measure.objects.filter(slug="potholes-closed").update(
        title='Potholes <script>alert("x")</script>'
    )
    for url in [MEASURE, "/embed/measures/potholes-closed/", "/goals/streets/"]:
        body = page(client, url)
        assert '<script>alert("x")</script>' not in body
        assert "&lt;script&gt;" in body


@pytest.mark.parametrize(
    "url",
    [
        MEASURE + "?%zz=1&a[]=<>&measure=%00",
        "/measures/%E2%80%8F%00/",
        "/measures/" + "x" * 3000 + "/",
        "/goals/%C3%28/?page=-1",
        "/priorities/../../etc/passwd/",
        "/embed/measures/potholes-closed/?width=abc",
        MEASURE + "values.json?format=<xml>",
    ],
)
def test_malformed_urls_never_give_a_server_error(client, city, url):
    assert client.get(url).status_code < 500


def test_the_embed_may_be_framed_by_other_sites_and_other_pages_may_not(client, city):
    embed = client.get("/embed/measures/potholes-closed/")
    assert "frame-ancestors *" in embed["Content-Security-Policy"]
    assert "X-Frame-Options" not in embed
    normal = client.get(MEASURE)
    assert "frame-ancestors 'none'" in normal["Content-Security-Policy"]
    assert normal["X-Frame-Options"] == "DENY"
    body = page(client, MEASURE)
    assert '&lt;iframe src="http://testserver/embed/measures/potholes-closed/"' in body


def test_the_measure_page_has_social_card_tags_and_the_card_is_a_png(client, city):
    body = page(client, MEASURE)
    assert (
        '<meta property="og:image" content="http://testserver/measures/potholes-closed/card.png">'
    ) in body
    assert '<meta name="twitter:card" content="summary_large_image">' in body
    response = client.get(MEASURE + "card.png")
    assert response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG")


def test_a_changed_value_shows_at_once_despite_the_page_cache(client, city):
    assert "85.0% <span" in page(client, MEASURE)
    value = MeasureValue.objects.get(
        measure__slug="potholes-closed", period="2026-10", breakdown=""
    )
    value.value = 88.0
    value.save()
    assert "88.0% <span" in page(client, MEASURE)


def test_goal_pages_show_measures_as_cards_and_priority_pages_their_goals(client, city):
    goal = page(client, "/goals/streets/")
    assert '<a href="/measures/potholes-closed/">Potholes closed within 7 days</a>' in goal
    assert '<span class="sparkline"><svg role="img"' in goal
    assert "/measures/draft/" not in goal
    area = page(client, "/priorities/infrastructure/")
    assert '<a href="/goals/streets/">Keep streets in good repair</a>' in area
    assert '<a href="/goals/water/">Deliver clean, reliable water</a>' in area
    listing = page(client, "/priorities/")
    assert '<a href="/priorities/public-safety/">Public Safety</a>' in listing


def test_the_home_page_counts_goals_by_status_and_shows_headline_measures(client, city):
    body = page(client, "/")
    counts = body[body.index('id="area-infrastructure"') :]
    counts = counts[: counts.index("</ul>")]
    # Streets needs attention (its one judged measure); water has no data.
    assert re.search(r"Needs attention</span> <span class=\"status-counts__n\">1<", counts)
    assert re.search(r"No recent data</span> <span class=\"status-counts__n\">1<", counts)
    assert "Headline measures" in body
    assert "Data last updated" in body


def test_visitors_share_one_cached_page_that_holds_no_csrf_token(client, city):
    profile = CityProfile.objects.get()
    profile.languages = ["en", "es"]
    profile.save()
    first = page(client, MEASURE)
    second_client = Client(enforce_csrf_checks=True)
    second = page(second_client, MEASURE)
    assert first == second
    assert "csrfmiddlewaretoken" not in first
    # The language switch in it needs no token: a GET that sets the language cookie.
    response = second_client.get("/language/", {"language": "es", "next": MEASURE})
    assert response.status_code == 302
    assert response["Location"] == MEASURE
    assert second_client.cookies["django_language"].value == "es"


def test_signed_in_staff_do_not_get_the_visitors_cached_page(client, admin_client, city):
    assert "Staff sign-in" in page(client, MEASURE)
    assert "Staff workspace" in page(admin_client, MEASURE)


def test_a_busy_measure_page_costs_no_query_once_cached(client, city, django_assert_num_queries):
    page(client, MEASURE)
    with django_assert_num_queries(0):  # the city profile is kept too (CityProfile.current)
        page(client, MEASURE)


def test_the_home_page_shows_the_next_stat_meeting_and_recent_updates(client, city):
    now = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
    Meeting.objects.create(
        title="InfrastructureStat",
        starts_at=now + dt.timedelta(days=3),
        ends_at=now + dt.timedelta(days=3, hours=1),
    )
    Meeting.objects.create(
        title="Last month's stat",
        starts_at=now - dt.timedelta(days=30),
        ends_at=now - dt.timedelta(days=30, hours=-1),
    )
    Update.objects.create(
        title="Pothole crews add weekend shifts",
        slug="weekend-shifts",
        body="x",
        published_at=now - dt.timedelta(days=1),
    )
    Update.objects.create(title="A draft", slug="draft", body="x")
    Update.objects.create(  # a slug no URL can carry must not take the home page down
        title="Broken slug", slug="a/b", body="x", published_at=now - dt.timedelta(days=2)
    )
    body = page(client, "/")
    assert "Broken slug" not in body
    assert "InfrastructureStat" in body
    assert "Last month's stat" not in body
    assert "Pothole crews add weekend shifts</a>" in body
    assert "A draft" not in body


def test_a_chart_that_cannot_be_drawn_says_so_in_the_readers_language(client, city):
    profile = CityProfile.objects.get()
    profile.languages = ["en", "es"]
    profile.save()
    english = page(client, MEASURE)
    assert 'data-failed="This chart could not be drawn. The table beside it' in english
    spanish = client.get(MEASURE, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert 'data-failed="No se pudo dibujar este gráfico. La tabla que lo acompaña' in spanish
