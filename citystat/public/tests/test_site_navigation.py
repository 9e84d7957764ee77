"""Every public section reachable from every page: the primary navigation, the footer
(accessibility statement, glossary, report a problem, contact, license, language) and
the home page's link to all headline measures (issue #20)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import translation
from django.utils.html import escape

from citystat.plan.models import Measure
from citystat.public import glossary
from citystat.public.plan_pages import HEADLINE_LIMIT
from citystat.public.templatetags.public_site import PRIMARY_NAV, nav_items

# The public sections, found from the URLconfs (not from any city's data): every route
# without a parameter that a resident reads, minus the ones that are part of a section
# (the ask form is "Questions", results are "Pick your priorities"), feeds, files, forms
# that follow a link, the footer's pages, and the machine endpoints.
NOT_SECTIONS = {
    "questions/ask/",
    "questions/ask/thanks/",
    "priorities/pick/results/",
    "search/",
    "subscribe/",
    "subscribe/sent/",
    "accessibility/",
    "glossary/",
    "headline-measures/",
    "language/",  # the language switch: it sets a cookie and returns to the page
}
MACHINE_PREFIXES = ("api/", "staff/", "admin/", "i18n/", "hooks/", "feeds/", "city/", "embed/")


def parameterless_routes() -> list[str]:
    routes: list[str] = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                route = prefix + str(entry.pattern)
                if "<" not in route:
                    routes.append(route)

    walk(get_resolver().url_patterns, "")
    return routes


def test_the_navigation_reaches_every_public_section_in_the_urlconfs():
    sections = [
        route
        for route in parameterless_routes()
        if route.endswith("/")
        and route not in NOT_SECTIONS
        and not route.startswith(MACHINE_PREFIXES)
    ]
    linked = {item["url"] for item in nav_items("/")}
    assert sections, "no public routes found"
    missing = [route for route in sections if "/" + route not in linked]
    assert not missing, f"public sections missing from the navigation: {missing}"
    assert len(linked) == len(PRIMARY_NAV)


@pytest.mark.parametrize(
    ("path", "current"),
    [
        ("/", "/"),
        ("/goals/streets/", "/priorities/"),
        ("/measures/potholes-closed/", "/priorities/"),
        ("/priorities/pick/", "/priorities/pick/"),
        ("/priorities/pick/results/", "/priorities/pick/"),
        ("/districts/3/", "/neighborhoods/"),
        ("/budget/", "/budget/"),
        ("/glossary/", None),
    ],
)
def test_one_section_is_marked_current_the_longest_match(path, current):
    marked = [item["url"] for item in nav_items(path) if item["is_current"]]
    assert marked == ([current] if current else [])


@pytest.mark.django_db
def test_every_page_carries_the_navigation_and_the_footer(client, plan):
    for url in ("/", "/budget/", "/glossary/", "/accessibility/", "/no-such-page/"):
        body = client.get(url).content.decode()
        for item in nav_items("/"):
            assert f'href="{item["url"]}"' in body, (url, item["url"])
        assert 'aria-controls="site-nav-list" hidden>Menu</button>' in body
        assert '<script src="/static/js/nav.js" defer></script>' in body
        for footer_link in ("/accessibility/", "/glossary/", "/questions/ask/?page="):
            assert f'href="{footer_link}' in body, (url, footer_link)
        assert "Open Data Commons PDDL" in body


@pytest.mark.django_db
def test_report_a_problem_preselects_the_page_and_what_it_is_about(client, plan):
    body = client.get("/measures/potholes-closed/").content.decode()
    link = re.search(r'href="(/questions/ask/\?page=[^"]*)">Report a problem', body)
    assert link is not None
    href = link[1].replace("&amp;", "&")
    assert href == "/questions/ask/?page=%2Fmeasures%2Fpotholes-closed%2F&measure=potholes-closed"
    form = client.get(href).content.decode()
    assert "About the measure: Potholes closed" in form
    assert 'reporting a problem with the data on <a href="/measures/potholes-closed/">' in form
    assert "About the data on /measures/potholes-closed/: </textarea>" in form


@pytest.mark.django_db
@pytest.mark.parametrize(
    "page", ["//elsewhere.example/", "https://elsewhere.example/", "/no-such-page/", "/a?b=1"]
)
def test_report_a_problem_names_only_a_page_of_this_site(client, plan, page):
    form = client.get("/questions/ask/", {"page": page}).content.decode()
    assert "reporting a problem" not in form and "About the data on" not in form


@pytest.mark.django_db
def test_the_glossary_defines_its_terms_in_english_and_spanish(client):
    english = client.get("/glossary/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for slug in ("target", "tolerance", "fiscal-year", "importance-satisfaction"):
        assert f'id="{slug}"' in english
    assert "<dt>Tolerance</dt>" in english and "<dt>Partial period</dt>" in english
    assert "<dt>Confidence interval</dt>" in english
    spanish = client.get("/glossary/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "<dt>Tolerancia</dt>" in spanish and "<dt>Intervalo de confianza</dt>" in spanish
    with translation.override("en"):
        left = [term.slug for term in glossary.GLOSSARY if escape(str(term.definition)) in spanish]
    assert not left, f"glossary definitions left in English: {left}"


@pytest.mark.django_db
def test_the_accessibility_statement_offers_a_way_to_report_a_problem(client):
    body = client.get("/accessibility/").content.decode()
    assert '<h1 id="accessibility-title">Accessibility statement</h1>' in body
    assert 'href="/questions/ask/?page=%2Faccessibility%2F">tell us</a>' in body


@pytest.mark.django_db
def test_the_home_page_links_to_all_headline_measures(client, plan):
    objective = Measure.objects.get(slug="potholes-closed").objective
    for number in range(HEADLINE_LIMIT + 2):
        Measure.objects.create(
            objective=objective,
            slug=f"headline-{number}",
            title=f"Headline {number}",
            definition="A measure for the tests.",
            unit=Measure.Unit.COUNT,
            is_public=True,
            is_headline=True,
            position=number,
        )
    headline_total = Measure.objects.filter(is_public=True, is_headline=True).count()
    home = client.get("/").content.decode()
    assert home.count('class="card measure-card"') == HEADLINE_LIMIT
    assert (
        f'<a href="{reverse("headline-measures")}">See all {headline_total} headline measures</a>'
        in home
    )
    listing = client.get("/headline-measures/").content.decode()
    shown = re.findall(r'<a href="/measures/(headline-\d+)/">', listing)
    assert sorted(shown) == sorted(f"headline-{n}" for n in range(headline_total))


@pytest.mark.django_db
def test_with_few_headline_measures_there_is_no_more_link(client, plan):
    home = client.get("/").content.decode()
    assert "headline-measures/" not in home
