"""Security headers on every page type (#10): a walk over every route of the site, with
sample objects, as a visitor and as staff. Only embed pages may be framed by other sites."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from citystat.accounts.testing import signed_in
from citystat.city.models import CityProfile

SAMPLES = {"slug": "main-breaks-fixed", "identifier": "main-breaks-fixed", "extension": "csv"}
# Routes that stream a large body or render a PDF/PNG are walked for headers all the same;
# these take a POST body and answer a GET with 405, which still must carry the headers.
EMBED_PREFIX = "/embed/"


def sample_argument(match: re.Match[str]) -> str:
    converter, name = match[1], match[2]
    if name in SAMPLES:
        return SAMPLES[name]
    return "1" if converter == "int" or "pk" in name or name.endswith("_id") else "sample"


def every_route(patterns: list[Any], prefix: str = "") -> list[tuple[str, str]]:
    found = []
    for entry in patterns:
        route = str(entry.pattern)
        if isinstance(entry, URLResolver):
            if entry.namespace != "admin":
                found += every_route(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern) and entry.name != "set_language":
            if route.startswith("^"):
                continue  # regex routes belong to the admin and Django's own apps
            path = re.sub(r"<(?:(\w+):)?(\w+)>", sample_argument, prefix + route)
            found.append((entry.name or path, "/" + path))
    return found


@pytest.fixture
def sample_city(cast, departments, scoped_measures):
    CityProfile.objects.create(name="Kansas City", fiscal_year_start_month=5, population=10_000)


def check_headers(path: str, response) -> list[str]:
    problems = []
    if response.status_code >= 500:
        return [f"{path}: {response.status_code}"]
    if response.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"{path}: no nosniff")
    if response.get("Referrer-Policy") != "same-origin":
        problems.append(f"{path}: Referrer-Policy {response.get('Referrer-Policy')}")
    if "text/html" not in response.get("Content-Type", ""):
        return problems
    policy = response.get("Content-Security-Policy", "")
    if "script-src 'self'" not in policy or "unsafe-inline" in policy or "unsafe-eval" in policy:
        problems.append(f"{path}: script policy {policy!r}")
    framed = "frame-ancestors 'none'" not in policy or "X-Frame-Options" not in response
    if path.startswith(EMBED_PREFIX) and response.status_code == 200 and not framed:
        problems.append(f"{path}: an embed page that other sites may not frame")
    if not path.startswith(EMBED_PREFIX) and framed:
        problems.append(f"{path}: may be framed by other sites ({policy!r})")
    return problems


@pytest.mark.parametrize("who", ["anonymous", "alice"])
def test_every_route_sends_the_security_headers(cast, sample_city, who):
    client = signed_in(cast[who]) if who in cast else Client()
    client.raise_request_exception = False
    routes = every_route(get_resolver().url_patterns)
    assert len(routes) > 60
    problems = []
    for _, path in routes:
        problems += check_headers(path, client.get(path))
    assert not problems, problems


def test_an_embed_page_may_be_framed_and_keeps_its_script_policy(sample_city):
    response = Client().get("/embed/measures/main-breaks-fixed/")
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" not in policy and "X-Frame-Options" not in response
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
