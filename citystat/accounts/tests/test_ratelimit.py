"""The site's rate limiter: a sliding window per scope and key, 429 with Retry-After."""

from __future__ import annotations

import json
from typing import Any

import pytest
import time_machine
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from citystat.accounts.ratelimit import Rate, check_rate, parse_rate, rate_limited

START = 1_800_000_000  # a whole number of minutes since the epoch: windows start here


def request_from(ip: str, path: str = "/questions/ask/", **headers: str) -> HttpRequest:
    meta: dict[str, Any] = {"REMOTE_ADDR": ip, **headers}
    return RequestFactory().get(path, **meta)


def test_it_allows_up_to_the_limit_then_refuses_with_the_wait():
    with time_machine.travel(START, tick=False):
        decisions = [check_rate(request_from("198.51.100.7"), "ask", 3, 60) for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions[:3]] == [2, 1, 0]
    # The window is full: the next one starts in 60 s, and a third of it must pass before
    # this window's 3 weigh less than 2.
    assert decisions[3].retry_after == 80


def test_it_counts_each_address_and_scope_apart():
    with time_machine.travel(START, tick=False):
        for _ in range(3):
            check_rate(request_from("198.51.100.7"), "ask", 3, 60)
        assert not check_rate(request_from("198.51.100.7"), "ask", 3, 60).allowed
        assert check_rate(request_from("198.51.100.8"), "ask", 3, 60).allowed
        assert check_rate(request_from("198.51.100.7"), "subscribe", 3, 60).allowed


def test_an_explicit_key_replaces_the_address():
    with time_machine.travel(START, tick=False):
        check_rate(request_from("198.51.100.7"), "api", 1, 60, key="token:1")
        assert not check_rate(request_from("198.51.100.9"), "api", 1, 60, key="token:1").allowed
        assert check_rate(request_from("198.51.100.7"), "api", 1, 60, key="token:2").allowed


def test_the_previous_window_still_weighs_until_it_slides_out():
    with time_machine.travel(START, tick=False):
        for _ in range(4):
            check_rate(request_from("198.51.100.7"), "api", 4, 60)
    # A quarter into the next window, three quarters of the last window's 4 still count:
    # 3 + 1 new = 4 allowed, the next one (3 + 2 = 5) is refused until the weight drops.
    with time_machine.travel(START + 75, tick=False):
        assert check_rate(request_from("198.51.100.7"), "api", 4, 60).allowed
        refused = check_rate(request_from("198.51.100.7"), "api", 4, 60)
    assert not refused.allowed
    assert refused.retry_after == 15
    with time_machine.travel(START + 75 + 14, tick=False):
        assert not check_rate(request_from("198.51.100.7"), "api", 4, 60).allowed
    with time_machine.travel(START + 75 + 15, tick=False):
        assert check_rate(request_from("198.51.100.7"), "api", 4, 60).allowed
    with time_machine.travel(START + 185, tick=False):
        assert check_rate(request_from("198.51.100.7"), "api", 4, 60).remaining == 3


def test_forwarded_addresses_are_ignored_without_a_trusted_proxy(settings):
    settings.CITYSTAT_PROXY_COUNT = 0
    with time_machine.travel(START, tick=False):
        check_rate(request_from("198.51.100.7", HTTP_X_FORWARDED_FOR="203.0.113.1"), "a", 1, 60)
        forged = request_from("198.51.100.7", HTTP_X_FORWARDED_FOR="203.0.113.2")
        assert not check_rate(forged, "a", 1, 60).allowed


def limited_view(request):
    return HttpResponse("ok")


def test_the_decorator_answers_429_json_with_retry_after_for_api_paths():
    view = rate_limited("api-test", 1, 60)(limited_view)
    with time_machine.travel(START + 20, tick=False):
        assert view(request_from("198.51.100.7", "/api/v1/measures")).status_code == 200
        response = view(request_from("198.51.100.7", "/api/v1/measures"))
    assert response.status_code == 429
    assert response["Retry-After"] == "100"
    body = json.loads(response.content)
    assert body["error"] is True and body["retry_after"] == 100


@pytest.mark.django_db
def test_the_decorator_answers_people_with_a_page():
    view = rate_limited("form-test", 1, 60, methods=("POST",))(limited_view)
    factory = RequestFactory()
    with time_machine.travel(START, tick=False):
        for _ in range(3):
            assert (
                view(factory.get("/questions/ask/", REMOTE_ADDR="198.51.100.7")).status_code == 200
            )
        assert view(factory.post("/questions/ask/", REMOTE_ADDR="198.51.100.7")).status_code == 200
        response = view(factory.post("/questions/ask/", REMOTE_ADDR="198.51.100.7"))
    assert response.status_code == 429
    assert response["Retry-After"] == "120"
    assert b"Too many requests" in response.content


def test_the_limit_may_depend_on_the_request():
    view = rate_limited(
        "tiered", lambda r: 3 if "HTTP_X_APP_TOKEN" in r.META else 1, 60, key_func=lambda r: None
    )(limited_view)
    with time_machine.travel(START, tick=False):
        codes = [
            view(request_from("198.51.100.7", "/resource/x.json", HTTP_X_APP_TOKEN="t")).status_code
            for _ in range(4)
        ]
    assert codes == [200, 200, 200, 429]


@pytest.mark.parametrize(
    ("text", "rate"),
    [("60/minute", Rate(60, 60)), ("1000/hour", Rate(1000, 3600)), ("5/10minutes", Rate(5, 600))],
)
def test_rates_are_read_from_settings_text(text, rate):
    assert parse_rate(text) == rate


def test_a_malformed_rate_says_what_is_expected():
    with pytest.raises(ImproperlyConfigured, match="60/minute"):
        parse_rate("lots")


@pytest.mark.django_db
def test_counts_in_the_database_cache_outlive_its_default_timeout(settings):
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "test_ratelimit_counts",
            "TIMEOUT": 60,
        },
    }
    call_command("createcachetable", "test_ratelimit_counts", verbosity=0)
    caches["ratelimit"].clear()
    with time_machine.travel(START, tick=False):
        for _ in range(2):
            check_rate(request_from("198.51.100.7"), "hourly", 2, 3600)
    # Two minutes on: past the cache's 60-second default, well inside the hour.
    with time_machine.travel(START + 120, tick=False):
        assert not check_rate(request_from("198.51.100.7"), "hourly", 2, 3600).allowed
