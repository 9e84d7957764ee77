"""The public site's shell: home page, error pages, static assets and the CSP."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import RequestFactory

from citystat.catalog.models import Dataset, DatasetVersion
from citystat.city.models import CityProfile
from citystat.public.views.errors import server_error

TEMPLATES = Path(settings.PACKAGE_DIR) / "templates"


@pytest.mark.django_db
def test_the_home_page_lists_each_priority_area_with_its_goals(client, plan):
    r = client.get("/")
    body = r.content.decode()
    assert r.status_code == 200
    assert '<h1 id="plan-title">Citywide Business Plan</h1>' in body
    assert "FY2025–FY2029" in body
    assert (
        '<h3 class="card__title" id="area-infrastructure">'
        '<a href="/priorities/infrastructure/">Infrastructure</a></h3>'
    ) in body
    assert '<a href="/priorities/public-safety/">Public Safety</a>' in body
    assert body.index("Keep streets in good repair") < body.index("Public Safety")
    assert '<a href="/goals/water/">Deliver clean, reliable water</a>' in body
    assert '<a href="/goals/response/">Answer emergencies quickly</a>' in body


@pytest.mark.django_db
def test_the_home_page_counts_goals_and_public_measures(client, plan):
    body = client.get("/").content.decode()
    assert "2 goals · 2 measures" in body  # The draft measure is not public.
    assert "1 goal · 0 measures" in body


@pytest.mark.django_db
def test_without_a_plan_the_home_page_explains_what_will_be_here(client):
    r = client.get("/")
    body = r.content.decode()
    assert r.status_code == 200
    assert "performance plan is on its way" in body
    assert "No plan has been published yet" in body
    assert "citystat demo" not in body


@pytest.mark.django_db
def test_without_a_plan_staff_see_how_to_publish_one(admin_client):
    body = admin_client.get("/").content.decode()
    assert "<code>citystat demo</code>" in body


@pytest.mark.django_db
def test_the_footer_shows_the_license_and_when_data_last_changed_in_city_time(client, plan):
    CityProfile.objects.create(name="Kansas City", time_zone="America/Chicago")
    dataset = Dataset.objects.create(slug="requests", title="311 requests")
    finished = dt.datetime(2026, 11, 27, 15, 14, tzinfo=dt.UTC)
    DatasetVersion.objects.create(
        dataset=dataset,
        number=1,
        status=DatasetVersion.Status.PUBLISHED,
        source="requests.csv",
        started_at=finished,
        finished_at=finished,
    )
    body = client.get("/").content.decode()
    assert '<a href="https://opendatacommons.org/licenses/pddl/">Open Data Commons PDDL</a>' in body
    assert "27 November 2026, 9:14 AM" in body


@pytest.mark.django_db
def test_the_header_names_the_city_and_links_home(client):
    CityProfile.objects.create(name="Kansas City", languages=["en"])
    body = client.get("/").content.decode()
    assert '<span class="site-brand__name">Kansas City</span>' in body
    assert '<a class="site-nav__link" href="/" aria-current="page">Home</a>' in body
    assert '<a class="skip-link" href="#main">' in body
    assert 'name="language"' not in body


@pytest.mark.django_db
def test_a_city_with_two_languages_gets_a_language_switcher(client):
    CityProfile.objects.create(name="Kansas City", languages=["en", "es"])
    body = client.get("/").content.decode()
    assert '<form class="language-switcher" action="/language/" method="get">' in body
    assert "csrfmiddlewaretoken" not in body  # the same bytes for every reader
    assert '<option value="es" lang="es">Español</option>' in body


@pytest.mark.django_db
def test_an_unknown_url_gets_a_helpful_404(client):
    r = client.get("/no-such-page/")
    body = r.content.decode()
    assert r.status_code == 404
    assert "find that page" in body
    assert 'href="/"' in body
    assert '<main id="main"' in body


def test_the_500_page_renders_without_the_database():
    # No db fixture: any query here fails the test.
    r = server_error(RequestFactory().get("/"))
    body = r.content.decode()
    assert r.status_code == 500
    assert "Something went wrong" in body
    assert '<link rel="stylesheet" href="/static/css/citystat.css">' in body


def static_paths_in(template_name: str) -> list[str]:
    text = (TEMPLATES / template_name).read_text()
    return re.findall(r"""{% static ['"]([^'"]+)['"] %}""", text)


@pytest.mark.parametrize(
    "template_name", ["base.html", "500.html", "_htmx_script.html", "_chart_scripts.html"]
)
def test_every_static_asset_a_layout_references_exists(template_name):
    paths = static_paths_in(template_name)
    assert paths
    missing = [path for path in paths if finders.find(path) is None]
    assert missing == []


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/no-such-page/"])
def test_pages_send_a_content_security_policy(client, plan, url):
    r = client.get(url)
    policy = r.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/no-such-page/"])
def test_pages_load_no_assets_from_other_sites(client, plan, url):
    body = client.get(url).content.decode()
    asset_urls = re.findall(
        r"""<(?:script|img|link|iframe|source)\b[^>]*?(?:src|href)=["']([^"']+)""", body
    )
    assert asset_urls
    assert [url for url in asset_urls if re.match(r"(https?:)?//", url)] == []
    assert "style=" not in body
    assert "<script>" not in body


@pytest.mark.django_db
def test_a_plan_whose_title_has_its_years_shows_them_once(client, plan):
    plan.title = "Citywide Business Plan FY2025–FY2029"
    plan.save()
    body = client.get("/").content.decode()
    assert body.count("FY2025–FY2029") == 2  # The <title> and the <h1>.
