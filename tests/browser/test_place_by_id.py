"""A place page of a city whose layer and 311 rows use neighborhood ids, in Debian's
chromium: desktop and phone widths, English and Spanish, axe-core clean."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from citystat.public.tests.id_city import build_id_city

pytestmark = pytest.mark.browser

HEADINGS = {"en": "311 service requests", "es": "Solicitudes de servicio al 311"}


@pytest.fixture
def riverton(settings, tmp_path, transactional_db):
    settings.CITYSTAT_HOME = tmp_path / "home"
    settings.CITYSTAT_HOME.mkdir()
    cache.clear()
    build_id_city(tmp_path / "source")


@pytest.mark.parametrize("width", [1280, 375])
@pytest.mark.parametrize("language", ["en", "es"])
def test_a_place_page_of_a_city_that_uses_ids(
    riverton, live_server, audit_page, axe, width, language
):
    audit_page.set_default_timeout(90_000)
    audit_page.set_viewport_size({"width": width, "height": 900})
    audit_page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    response = audit_page.goto(live_server.url + "/neighborhoods/old-mill/")
    assert response is not None and response.status == 200
    assert audit_page.locator("html").get_attribute("lang") == language
    assert audit_page.get_by_role("heading", level=1).inner_text() == "Old Mill"
    assert audit_page.get_by_role("heading", level=2, name=HEADINGS[language]).is_visible()
    assert audit_page.locator("#requests-table tbody tr").count() == 3
    # No section without data: Riverton publishes no demolitions, survey or meetings.
    for missing in ("#demolitions-title", "#satisfaction-title", "#meetings-title"):
        assert audit_page.locator(missing).count() == 0
    # Nothing wider than the screen on a phone.
    overflow = audit_page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    assert axe(audit_page) == [], f"{language} at {width}px"
