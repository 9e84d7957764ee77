"""Meetings, follow-ups and updates in the REST API: read only, never a person's name."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from citystat.accounts.models import ApiToken
from citystat.accounts.tokens import issue_token
from citystat.city.models import CityProfile
from citystat.engagement.models import Update
from citystat.meetings.models import FollowUp, Meeting
from citystat.plan.models import Measure
from citystat.plan.testing import build_scoped_measures


@pytest.fixture
def stat_meeting(cast, departments):
    CityProfile.objects.create(name="Kansas City", fiscal_year_start_month=5, population=10_000)
    measures = build_scoped_measures(departments)
    now = timezone.now()
    past = Meeting.objects.create(
        title="InfrastructureStat, March",
        starts_at=now - dt.timedelta(days=30),
        ends_at=now - dt.timedelta(days=30, hours=-1),
        minutes="Main breaks are down.",
    )
    Meeting.objects.create(
        title="InfrastructureStat, next",
        starts_at=now + dt.timedelta(days=3),
        ends_at=now + dt.timedelta(days=3, hours=1),
    )
    FollowUp.objects.create(
        meeting=past,
        text="Report on crew overtime",
        department=departments["water"],
        owner=cast["bob"],
        due_on=dt.date(2026, 1, 15),
        measure=measures["water"],
    )
    Update.objects.create(
        title="Crews added",
        slug="crews-added",
        body="Two more.",
        published_at=now,
        author=cast["alice"],
        measure=measures["water"],
    )
    Update.objects.create(title="Draft", slug="draft", body="Not yet.", author=cast["alice"])
    return past


def test_meetings_list_with_minutes_and_the_upcoming_filter(stat_meeting, client):
    everything = client.get("/api/v1/meetings/").json()
    assert [m["title"] for m in everything["results"]] == [
        "InfrastructureStat, March",
        "InfrastructureStat, next",
    ]
    assert everything["results"][0]["minutes"] == "Main breaks are down."
    upcoming = client.get("/api/v1/meetings/?upcoming=1").json()
    assert [m["title"] for m in upcoming["results"]] == ["InfrastructureStat, next"]
    detail = client.get(f"/api/v1/meetings/{stat_meeting.pk}/")
    assert detail.status_code == 200 and detail["ETag"] and detail["Last-Modified"]


def test_follow_ups_name_the_department_never_the_person(stat_meeting, client):
    response = client.get(f"/api/v1/follow-ups/?meeting={stat_meeting.pk}")
    row = response.json()["results"][0]
    assert (row["department"], row["measure"], row["status"]) == (
        "water",
        "main-breaks-fixed",
        "open",
    )
    assert "bob" not in response.content.decode() and "owner" not in row


def test_only_published_updates_without_their_author(stat_meeting, client):
    response = client.get("/api/v1/updates/")
    assert [u["slug"] for u in response.json()["results"]] == ["crews-added"]
    assert "alice" not in response.content.decode()
    assert client.get("/api/v1/updates/draft/").status_code == 404
    about = client.get("/api/v1/updates/?measure=main-breaks-fixed").json()
    assert about["count"] == 1


def test_meetings_follow_ups_and_updates_cannot_be_written(stat_meeting, alice):

    _, key = issue_token(alice, "writer", ApiToken.Scope.WRITE)
    client = Client(HTTP_AUTHORIZATION=f"Token {key}")
    # Refused before the method is even looked up: no write permission is declared.
    assert client.post("/api/v1/meetings/", {"title": "x"}).status_code == 403
    assert client.delete(f"/api/v1/meetings/{stat_meeting.pk}/").status_code == 403
    assert Meeting.objects.count() == 2


def test_an_internal_measure_is_never_named(stat_meeting, client):
    Measure.objects.filter(slug="main-breaks-fixed").update(is_public=False)
    follow_ups = client.get(f"/api/v1/follow-ups/?meeting={stat_meeting.pk}").json()
    updates = client.get("/api/v1/updates/").json()
    assert follow_ups["results"][0]["measure"] is None
    assert updates["results"][0]["measure"] is None
    assert "main-breaks-fixed" not in str(follow_ups) + str(updates)
