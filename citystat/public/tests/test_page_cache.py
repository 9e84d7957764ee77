"""Whole public pages kept for anonymous readers (citystat/public/page_cache.py): served
without a render, never stale after a change, never shared with staff or across languages."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from citystat.catalog.models import Dataset
from citystat.city.models import CityProfile
from citystat.engagement.models import Update
from citystat.meetings.models import Meeting
from citystat.plan import revision
from citystat.plan.models import Measure, Plan, PriorityArea
from citystat.public import page_cache
from citystat.public.tests.measure_city import build_measure_city

NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
MEASURE = "/measures/potholes-closed/"
# One URL of each page type the tiny city has.
PAGES = [
    "/",
    "/priorities/",
    "/headline-measures/",
    "/goals/streets/",
    MEASURE,
    "/datasets/",
    "/updates/",
    "/meetings/",
    "/questions/",
    "/how-we-measure/",
    "/search/?q=pothole",
    "/accessibility/",
    "/glossary/",
]


@pytest.fixture
def city(db):
    cache.clear()
    with time_machine.travel(NOW, tick=False):
        yield build_measure_city()


def body(client: Client, url: str, **headers: str) -> str:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


@pytest.mark.parametrize("url", PAGES)
def test_an_anonymous_reader_gets_the_kept_page_with_no_query(client, city, url):
    first = client.get(url)
    with CaptureQueriesContext(connection) as queries:
        second = client.get(url)
    assert second.status_code == 200
    assert second.content == first.content
    assert len(queries) == 0, [q["sql"] for q in queries]


@pytest.mark.parametrize("url", PAGES)
def test_a_kept_page_keeps_its_security_headers_and_varies_on_cookie_and_language(
    client, city, url
):
    first = client.get(url)
    second = client.get(url)
    for name in (
        "Content-Security-Policy",
        "X-Frame-Options",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "Cross-Origin-Opener-Policy",
        "Content-Type",
        "Content-Language",
    ):
        assert second.get(name) == first.get(name), name
    assert first.get("Content-Security-Policy") and first.get("X-Frame-Options")
    for response in (first, second):
        vary = {part.strip() for part in response["Vary"].split(",")}
        assert {"Cookie", "Accept-Language"} <= vary
    assert not second.cookies


def test_a_measure_value_typed_in_shows_on_the_next_request(client, city):
    assert "85.0%" in body(client, MEASURE)
    measure = Measure.objects.get(slug="potholes-closed")
    value = measure.values.filter(breakdown="").order_by("-period_start").first()
    value.value = 88.0
    value.save()
    assert "88.0%" in body(client, MEASURE)


def test_a_meeting_made_without_signals_shows_on_home_and_calendar(client, city):
    assert "InfrastructureStat" not in body(client, "/")
    assert "InfrastructureStat" not in body(client, "/meetings/")
    # bulk_create sends no signal: the write itself changes the content stamp.
    Meeting.objects.bulk_create(
        [
            Meeting(
                title="InfrastructureStat",
                starts_at=NOW + dt.timedelta(days=3),
                ends_at=NOW + dt.timedelta(days=3, hours=1),
            )
        ]
    )
    assert "InfrastructureStat" in body(client, "/")
    assert "InfrastructureStat" in body(client, "/meetings/")


def test_an_update_published_by_a_queryset_update_shows_on_the_updates_page(client, city):
    Update.objects.create(title="Weekend pothole shifts", slug="weekend-shifts", body="x")
    assert "Weekend pothole shifts" not in body(client, "/updates/")
    assert "Weekend pothole shifts" not in body(client, "/")
    Update.objects.filter(slug="weekend-shifts").update(published_at=NOW - dt.timedelta(hours=1))
    assert "Weekend pothole shifts" in body(client, "/updates/")
    assert "Weekend pothole shifts" in body(client, "/")


def test_a_dataset_renamed_by_a_queryset_update_shows_on_the_datasets_page(client, city):
    assert "Potholes and more" not in body(client, "/datasets/")
    Dataset.objects.filter(slug="requests").update(title="Potholes and more")
    assert "Potholes and more" in body(client, "/datasets/")


def test_a_meeting_that_ends_leaves_the_home_page_within_the_cache_seconds(client, city, settings):
    settings.CITYSTAT_PAGE_CACHE_SECONDS = 60
    Meeting.objects.create(
        title="InfrastructureStat",
        starts_at=NOW - dt.timedelta(minutes=50),
        ends_at=NOW + dt.timedelta(minutes=10),
    )
    assert "InfrastructureStat" in body(client, "/")
    with time_machine.travel(NOW + dt.timedelta(minutes=11), tick=False):
        assert "InfrastructureStat" not in body(client, "/")


def test_a_committed_write_changes_the_shared_stamp(db, django_capture_on_commit_callbacks):
    before = revision.content()
    with django_capture_on_commit_callbacks(execute=True):
        Update.objects.create(title="x", slug="x", body="x")
    assert cache.get(revision.CONTENT_KEY) != before.split("-")[0]


def test_writes_to_the_caches_and_sessions_do_not_change_the_stamp():
    assert revision.written_table('INSERT INTO "citystat_cache" ("cache_key") VALUES (1)') == (
        "citystat_cache"
    )
    assert revision.written_table('UPDATE "meetings_meeting" SET "title" = 1') == (
        "meetings_meeting"
    )
    assert revision.written_table('DELETE FROM "engagement_update" WHERE 1') == (
        "engagement_update"
    )
    assert revision.written_table('SELECT * FROM "meetings_meeting"') is None
    assert revision.written_table("WITH x AS (SELECT 1) SELECT * FROM x") is None


def test_spanish_and_english_readers_get_their_own_pages(client, city):
    profile = CityProfile.objects.get()
    profile.languages = ["en", "es"]
    profile.save()
    english = body(client, "/how-we-measure/")
    spanish = body(client, "/how-we-measure/", accept_language="es")
    assert '<html lang="en">' in english
    assert '<html lang="es">' in spanish
    client.cookies["django_language"] = "es"
    assert '<html lang="es">' in body(client, "/how-we-measure/")
    del client.cookies["django_language"]
    assert body(client, "/how-we-measure/") == english


def test_signed_in_staff_never_get_or_leave_a_kept_page(client, admin_client, city):
    assert "Staff sign-in" in body(client, MEASURE)
    staff = body(admin_client, MEASURE)
    assert "Staff workspace" in staff
    assert "Staff sign-in" not in staff
    # Nor does the page rendered for staff reach the next anonymous reader.
    cache.clear()
    revision.forget_local()
    assert "Staff workspace" in body(admin_client, MEASURE)
    assert "Staff workspace" not in body(client, MEASURE)


def test_only_anonymous_gets_of_listed_views_use_the_cache(settings):
    factory = RequestFactory()
    assert page_cache.cacheable_request(factory.get("/how-we-measure/"))
    assert not page_cache.cacheable_request(factory.post("/how-we-measure/"))
    assert not page_cache.cacheable_request(factory.head("/how-we-measure/"))
    assert not page_cache.cacheable_request(factory.get("/questions/ask/"))  # a form
    assert not page_cache.cacheable_request(factory.get("/staff/datasets/"))
    assert not page_cache.cacheable_request(factory.get("/no-such-page/"))
    assert not page_cache.cacheable_request(factory.get("/updates/feed.atom"))  # a Feed instance
    signed_in = factory.get("/how-we-measure/")
    signed_in.COOKIES[settings.SESSION_COOKIE_NAME] = "x"
    assert not page_cache.cacheable_request(signed_in)
    with_messages = factory.get("/how-we-measure/")
    with_messages.COOKIES[CookieStorage.cookie_name] = "x"
    assert not page_cache.cacheable_request(with_messages)
    assert not page_cache.cacheable_request(
        factory.get("/how-we-measure/", headers={"authorization": "Bearer x"})
    )
    assert not page_cache.cacheable_request(
        factory.get("/how-we-measure/", headers={"HX-Request": "true"})
    )
    settings.CITYSTAT_PAGE_CACHE_SECONDS = 0
    assert not page_cache.cacheable_request(factory.get("/how-we-measure/"))


def test_htmx_asking_a_kept_page_for_its_explorer_gets_the_explorer_alone(client, city):
    # The dataset page answers htmx with its explorer only, at the same URL: a whole page
    # swapped into the explorer would show every section twice.
    page = body(client, "/datasets/requests/")
    assert body(client, "/datasets/requests/") == page  # kept
    part = body(client, "/datasets/requests/", **{"HX-Request": "true"})
    assert 'id="downloads-title"' in page and 'id="downloads-title"' not in part
    assert "<html" not in part


def test_responses_with_cookies_tokens_or_errors_are_never_kept():
    factory = RequestFactory()
    request = factory.get("/")
    assert page_cache.keepable(request, HttpResponse("ok")) is not None
    with_cookie = HttpResponse("ok")
    with_cookie.set_cookie(CookieStorage.cookie_name, "a message")
    assert page_cache.keepable(request, with_cookie) is None
    assert page_cache.keepable(request, HttpResponse("gone", status=404)) is None
    private = HttpResponse("ok")
    private["Cache-Control"] = "private"
    assert page_cache.keepable(request, private) is None
    with_token = factory.get("/")
    with_token.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    assert page_cache.keepable(with_token, HttpResponse("ok")) is None


@pytest.mark.django_db(transaction=True)
def test_a_write_outside_a_transaction_keeps_its_row_with_the_cache_in_the_database(settings):
    # The content stamp is noted from inside the database's execute wrapper. Written there,
    # the database cache's own transaction on the same SQLite connection rolled back the
    # row being inserted, and the next row naming it failed its foreign key.
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "citystat_cache",
        },
    }
    call_command("createcachetable", verbosity=0)  # a no-op where migrate made it
    before = revision.content()
    plan = Plan.objects.create(
        title="Plan", slug="plan", first_fiscal_year=2025, last_fiscal_year=2029
    )
    area = plan.priority_areas.create(slug="streets", title="Streets", position=1)
    assert PriorityArea.objects.filter(pk=area.pk, plan=plan).exists()
    assert revision.content() != before


def test_an_old_kept_page_is_served_while_another_request_renders_it_again(client, city, settings):
    settings.CITYSTAT_PAGE_CACHE_SECONDS = 60
    Meeting.objects.create(
        title="InfrastructureStat",
        starts_at=NOW - dt.timedelta(minutes=50),
        ends_at=NOW + dt.timedelta(seconds=30),
    )
    assert "InfrastructureStat" in body(client, "/")
    with time_machine.travel(NOW + dt.timedelta(seconds=61), tick=False):
        # Another worker is rendering the home page again: this reader gets the kept one.
        key = revision.cache_key(page_cache.page_key(RequestFactory().get("/")), "en")
        assert cache.add(key + ":refresh", 1, 600)
        revision.forget_local()
        assert "InfrastructureStat" in body(client, "/")
        cache.delete(key + ":refresh")
        assert "InfrastructureStat" not in body(client, "/")  # this one renders it again
    with time_machine.travel(NOW + dt.timedelta(seconds=125), tick=False):
        assert "InfrastructureStat" not in body(client, "/")


def test_a_path_is_resolved_once_per_process_and_the_memory_is_bounded(monkeypatch):
    page_cache.forget_view_names()
    resolved: list[str] = []
    resolver = page_cache.get_resolver(None)
    real = type(resolver).resolve

    def counting(self, path):  # type: ignore[no-untyped-def]
        if self is resolver:  # the root URLconf (included ones resolve the rest)
            resolved.append(path)
        return real(self, path)

    monkeypatch.setattr(type(resolver), "resolve", counting)
    factory = RequestFactory()
    for _ in range(3):
        assert page_cache.cacheable_request(factory.get("/how-we-measure/?x=1"))
        assert not page_cache.cacheable_request(factory.get("/no-such-page/"))
    assert resolved == ["/how-we-measure/", "/no-such-page/"]
    assert page_cache._view_name.cache_info().maxsize == page_cache.VIEW_NAMES_MAX
    page_cache.forget_view_names()
