"""The footer's language switch (citystat/public/language.py): a GET that sets the
language cookie and returns to a page of this site, and refuses anything else."""

from __future__ import annotations

import pytest

from citystat.city.models import CityProfile


@pytest.fixture
def bilingual(db):
    CityProfile.objects.create(name="Kansas City", languages=["en", "es"])


def test_switching_to_spanish_and_back_returns_to_the_page(client, bilingual):
    response = client.get("/language/", {"language": "es", "next": "/glossary/?x=1"})
    assert response.status_code == 302
    assert response["Location"] == "/glossary/?x=1"
    assert client.cookies["django_language"].value == "es"
    assert "no-cache" in response["Cache-Control"]
    assert '<html lang="es">' in client.get("/glossary/").content.decode()
    client.get("/language/", {"language": "en", "next": "/glossary/"})
    assert client.cookies["django_language"].value == "en"
    assert '<html lang="en">' in client.get("/glossary/").content.decode()


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "javascript:alert(1)",
        "http://testserver.evil.example/",
        "evil.example",
    ],
)
def test_a_next_page_on_another_site_is_refused_and_sets_nothing(client, bilingual, next_url):
    response = client.get("/language/", {"language": "es", "next": next_url})
    assert response.status_code == 400
    assert "must be a page of this site" in response.content.decode()
    assert "django_language" not in response.cookies


def test_an_unknown_language_is_refused_by_name(client, bilingual):
    response = client.get("/language/", {"language": "xx", "next": "/"})
    assert response.status_code == 400
    assert "Unknown language “xx”" in response.content.decode()
    assert "django_language" not in response.cookies


def test_without_next_it_returns_home(client, bilingual):
    response = client.get("/language/", {"language": "es"})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_the_switch_only_answers_get(client, bilingual):
    assert client.post("/language/", {"language": "es", "next": "/"}).status_code == 405
