"""Neighborhood and district pages: the numbers, the feed, finding a place, bad input."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from typing import Any

import duckdb
import pandas as pd
import pytest
from django.core.cache import cache
from django.utils import timezone

from citystat.city.places import area_url, close_matches, matching_places, places
from citystat.engagement.models import AreaKind, Update
from citystat.plan.models import Measure, MeasureValue
from citystat.plan.testing import build_tiny_plan
from citystat.public.tests.small_city import PERSONAL, US_DATETIME, build_small_city, layer

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def city(db, settings, tmp_path):
    settings.CITYSTAT_HOME = tmp_path / "home"
    cache.clear()
    return build_small_city(tmp_path / "source")


def independent_requests(csv_path, column: str, value: str) -> dict[str, Any]:
    """Compute the page's 311 figures straight from the source CSV with DuckDB."""
    connection = duckdb.connect()
    connection.execute(
        "create table r as select * from read_csv(?, header=true, all_varchar=true)",
        [str(csv_path)],
    )
    base = (
        "from (select *, created_date::date as day, try_cast(days_to_close as integer) as d "
        "from r), (select max(created_date::date) as last_day from r) "
        "where day > last_day - 365"
    )
    total, median = connection.execute(
        f"select count(*), median(d) {base} and {column} = ?", [value]
    ).fetchone() or (0, None)
    city_median = (connection.execute(f"select median(d) {base}").fetchone() or [None])[0]
    by_type = connection.execute(
        f"select type, count(*), median(d) {base} and {column} = ? group by 1", [value]
    ).fetchall()
    city_by_type = dict(connection.execute(f"select type, median(d) {base} group by 1").fetchall())
    return {
        "total": total,
        "median": median,
        "city_median": city_median,
        "by_type": {t: (n, m, city_by_type[t]) for t, n, m in by_type},
    }


def shown(days: float | None) -> str:
    return "–" if days is None else f"{round(days, 1):g}"


def type_row(html: str, request_type: str) -> list[str]:
    row = re.search(rf'<th scope="row">{re.escape(request_type)}</th>(.*?)</tr>', html, re.S)
    assert row, f"no row for {request_type}"
    return re.findall(r'<td class="numeric">([^<]*)</td>', row.group(1))


def test_a_neighborhood_page_shows_the_numbers_an_independent_query_gives(city, client):
    expected = independent_requests(city["service-requests"], "neighborhood", "Shoal Creek")
    response = client.get("/neighborhoods/shoal-creek/")
    html = response.content.decode()
    assert response.status_code == 200
    assert f"<strong>{expected['total']}</strong> requests to 311" in html
    assert f"within <strong>{shown(expected['median'])} days</strong>" in html
    assert f"within {shown(expected['city_median'])} days" in html
    assert len(expected["by_type"]) == 4
    for request_type, (count, median, city_median) in expected["by_type"].items():
        assert type_row(html, request_type) == [str(count), shown(median), shown(city_median)]


def test_a_district_page_counts_every_request_of_the_district(city, client):
    expected = independent_requests(city["service-requests"], "council_district", "2")
    html = client.get("/districts/2/").content.decode()
    assert '<h1 id="place-title">District 2</h1>' in html
    assert f"<strong>{expected['total']}</strong> requests to 311" in html
    for request_type, (count, median, city_median) in expected["by_type"].items():
        assert type_row(html, request_type) == [str(count), shown(median), shown(city_median)]


def test_a_neighborhood_page_counts_its_demolitions_from_the_data(city, client):
    connection = duckdb.connect()
    today = timezone.localdate()
    rows = connection.execute(
        "select status, planned_date::date, completed_date::date from "
        "read_csv(?, header=true, all_varchar=true) where neighborhood = 'Westport'",
        [str(city["demolitions"])],
    ).fetchall()
    planned = sum(1 for status, _, _ in rows if status == "planned")
    recent = sum(
        1
        for status, _, done in rows
        if status == "completed" and done and today - dt.timedelta(days=365) <= done <= today
    )
    html = client.get("/neighborhoods/westport/").content.decode()
    assert f"<strong>{planned}</strong> planned, and <strong>{recent}</strong> completed" in html
    assert html.count("<tr><td>") == planned  # one row per planned demolition


def test_the_district_of_a_neighborhood_links_to_its_page(city, client):
    html = client.get("/neighborhoods/westport/").content.decode()
    assert '<a href="/districts/1/">District 1</a>' in html


def test_no_address_or_name_from_the_rows_reaches_a_place_page(city, client):
    for url in ["/neighborhoods/westport/", "/districts/1/", "/neighborhoods/"]:
        assert PERSONAL not in client.get(url).content.decode()


def test_the_feed_is_atom_and_holds_no_personal_data(city, client):
    response = client.get("/neighborhoods/shoal-creek/feed.atom")
    assert response["Content-Type"].startswith("application/atom+xml")
    body = response.content.decode()
    feed = ET.fromstring(body)
    assert feed.tag == f"{ATOM}feed"
    titles = [entry.findtext(f"{ATOM}title") for entry in feed.iter(f"{ATOM}entry")]
    assert "New data: 311 service requests" in titles
    assert "New data: Dangerous building demolitions" in titles
    assert all(entry.findtext(f"{ATOM}id") for entry in feed.iter(f"{ATOM}entry"))
    assert "1234 Main Street" not in body and "Jane" not in body


def test_the_feed_lists_news_about_the_neighborhood_only(city, client):
    here = Update.objects.create(
        title="Street repaving on 39th",
        slug="repaving",
        body="Work starts Monday.",
        published_at=timezone.now(),
    )
    here.areas.create(kind=AreaKind.NEIGHBORHOOD, name="Shoal Creek")
    elsewhere = Update.objects.create(
        title="Park reopens", slug="park", body="…", published_at=timezone.now()
    )
    elsewhere.areas.create(kind=AreaKind.NEIGHBORHOOD, name="Westport")
    body = client.get("/neighborhoods/shoal-creek/feed.atom").content.decode()
    assert "Street repaving on 39th" in body
    assert "Park reopens" not in body


def test_typing_the_name_of_one_neighborhood_opens_its_page(city, client):
    response = client.get("/neighborhoods/", {"q": "shoal"})
    assert response.status_code == 302
    assert response["Location"] == "/neighborhoods/shoal-creek/"


def test_a_name_without_accents_finds_the_accented_neighborhood(city):
    assert [place.name for place in matching_places("neighborhood", "nandu")] == ["Ñandú Heights"]


def test_a_misspelt_name_lists_close_matches(city, client):
    response = client.get("/neighborhoods/", {"q": "Westprot"})
    assert response.status_code == 200
    assert '<a href="/neighborhoods/westport/">Westport</a>' in response.content.decode()


def test_an_unknown_place_is_a_404_that_suggests_close_matches(city, client):
    response = client.get("/neighborhoods/shoal-crek/")
    assert response.status_code == 404
    assert '<a href="/neighborhoods/shoal-creek/">Shoal Creek</a>' in response.content.decode()
    assert [p.name for p in close_matches("district", "2")] == ["2"]


@pytest.mark.parametrize("query", ["x" * 10_000, "%00", "' or 1=1 --", "<script>", "\u202e"])
def test_odd_queries_never_fail(city, client, query):
    response = client.get("/neighborhoods/", {"q": query})
    assert response.status_code in (200, 302)
    assert "<script>" not in response.content.decode().split("<main", 1)[1]


def test_area_url_names_the_page_of_either_kind(city):
    assert area_url("neighborhoods", "Ñandú Heights") == "/neighborhoods/nandu-heights/"
    assert area_url("council-districts", "2") == "/districts/2/"
    assert area_url("district", 1) == "/districts/1/"
    with pytest.raises(ValueError):
        area_url("police-beats", "North")


def test_districts_are_listed_in_number_order(city):
    assert [place.label for place in places("district")] == ["District 1", "District 2"]


def test_a_city_without_any_area_data_shows_no_empty_sections_and_says_so(
    db, client, settings, tmp_path
):
    settings.CITYSTAT_HOME = tmp_path / "home"
    cache.clear()

    layer("neighborhoods", "Neighborhoods", ["Westport"])
    html = client.get("/neighborhoods/westport/").content.decode()
    assert "The city publishes no data about Westport yet." in html
    for heading in ("requests-title", "demolitions-title", "satisfaction-title", "meetings-title"):
        assert f'id="{heading}"' not in html


def test_a_place_page_offers_email_news_about_the_place(city, client):
    html = client.get("/neighborhoods/shoal-creek/").content.decode()
    assert 'href="/subscribe/?subject=neighborhood&amp;neighborhood=Shoal%20Creek"' in html
    assert 'href="/neighborhoods/shoal-creek/feed.atom"' in html


def test_a_district_page_lists_the_plan_measures_broken_down_by_district(city, client):
    build_tiny_plan()
    measure = Measure.objects.get(slug="potholes-closed")
    day = dt.date(2026, 9, 1)
    for breakdown, value_name, value in [
        ("", "", 81.0),
        ("council_district", "2", 74.5),
        ("council_district", "1", 90.0),
    ]:
        MeasureValue.objects.create(
            measure=measure,
            period="2026-09",
            period_start=day,
            period_end=day.replace(day=30),
            breakdown=breakdown,
            breakdown_value=value_name,
            value=value,
        )
    MeasureValue.objects.create(  # an internal measure's breakdown stays off the page
        measure=Measure.objects.get(slug="draft"),
        period="2026-09",
        period_start=day,
        period_end=day.replace(day=30),
        breakdown="council_district",
        breakdown_value="2",
        value=1.0,
    )
    table = re.search(
        r'<table[^>]*id="area-measures".*?</table>',
        client.get("/districts/2/").content.decode(),
        re.S,
    )
    assert table
    assert re.findall(r"<td[^>]*>([^<]*)</td>", table.group(0)) == [
        "September 2026",
        "74.5%",
        "81.0%",
    ]
    assert "Draft" not in table.group(0)


@pytest.fixture
def datetime_city(db, settings, tmp_path):
    settings.CITYSTAT_HOME = tmp_path / "home"
    cache.clear()
    return build_small_city(tmp_path / "source", datetimes=True)


def test_place_pages_take_a_datetime_created_date(datetime_city, client):
    rows = pd.read_csv(datetime_city["service-requests"], dtype={"council_district": str})
    created = pd.to_datetime(rows["created_date"], format=US_DATETIME)
    assert (created.dt.hour != 0).any()  # times of day, not dates
    # The year of data up to the last request's day, counted in whole days.
    recent = rows[created.dt.normalize() > created.max().normalize() - pd.Timedelta(days=365)]
    for url, column, value in [
        ("/neighborhoods/shoal-creek/", "neighborhood", "Shoal Creek"),
        ("/districts/2/", "council_district", "2"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        area = recent[recent[column] == value]
        assert f"<strong>{len(area)}</strong> requests to 311" in html
        assert f"within <strong>{shown(area['days_to_close'].median())} days</strong>" in html
        for request_type, group in area.groupby("type"):
            city_median = recent.loc[recent["type"] == request_type, "days_to_close"].median()
            assert type_row(html, str(request_type)) == [
                str(len(group)),
                shown(group["days_to_close"].median()),
                shown(city_median),
            ]
