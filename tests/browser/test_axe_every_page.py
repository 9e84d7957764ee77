"""axe-core on every page type of the residents' site and of the staff workspace (issue
#20): WCAG 2.1 A and AA, in English and in Spanish, at 1280 px and on a 390×844 phone.

Besides WCAG's rules, axe-core's best practices run too: landmarks, heading order and
unique names are what a screen reader user navigates by. One demo city serves both
languages and both widths, so it is built once. A failure lists every violation of every
page (rule id, target, help) rather than stopping at the first.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import product

import pytest
from django.urls import reverse

from citystat.accounts.permissions import Role
from citystat.accounts.roles import sync_roles
from citystat.accounts.testing import make_person
from citystat.catalog.models import Dataset
from citystat.city.places import places
from citystat.demo.build import build_demo_city
from citystat.engagement.models import Update
from citystat.meetings.models import Meeting
from citystat.plan.models import Goal, Measure, PriorityArea
from tests.browser.conftest import WCAG_21_AA, axe_violations
from tests.browser.test_phone_width_and_navigation import wait_for_charts
from tests.browser.test_staff_sign_in import sign_in_by_keyboard

pytestmark = pytest.mark.browser

RULES = [*WCAG_21_AA, "best-practice"]
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@dataclass
class City:
    public: list[str]
    staff: list[str]


def first_row(queryset, what: str):  # type: ignore[no-untyped-def]
    """Return the queryset's first row; the demo city must have one."""
    row = queryset.order_by("pk").first()
    assert row is not None, f"the demo city has no {what} to audit"
    return row


def first_path(queryset, what: str) -> str:  # type: ignore[no-untyped-def]
    return str(first_row(queryset, what).get_absolute_url())


def first_slug(queryset, what: str) -> str:  # type: ignore[no-untyped-def]
    return str(first_row(queryset, what).slug)


@pytest.fixture
def demo_city(settings, tmp_path, transactional_db) -> Iterator[City]:
    settings.CITYSTAT_HOME = tmp_path / "home"
    settings.CITYSTAT_HOME.mkdir()
    build_demo_city(rows=2_000, seed=11)
    sync_roles()
    make_person("auditor", Role.PERFORMANCE_STAFF)
    meeting = first_row(Meeting.objects.all(), "meeting")
    measure = first_row(Measure.objects.exclude(spec={}), "computed measure")
    public = [
        "/",
        first_path(PriorityArea.objects.all(), "priority area"),
        first_path(Goal.objects.all(), "goal"),
        measure.get_absolute_url(),
        "/neighborhoods/",
        # The districts' list is a part of the neighborhoods' page (/neighborhoods/).
        places("neighborhood")[0].get_absolute_url(),
        places("district")[0].get_absolute_url(),
        "/services/",
        "/budget/",
        "/surveys/",
        "/meetings/",
        meeting.get_absolute_url(),
        "/questions/",
        "/updates/",
        first_path(Update.objects.exclude(published_at=None), "update"),
        "/priorities/pick/",
        "/datasets/",
        reverse("dataset", args=[first_slug(Dataset.objects.filter(is_public=True), "dataset")]),
        "/near-me/",
        "/compare/",
        "/how-we-measure/",
        "/search/?q=trash",
        "/glossary/",
        "/accessibility/",
        "/subscribe/",
    ]
    staff = [
        "/staff/",
        "/staff/plan/",
        # The measure builder is the editor of a computed measure.
        f"/staff/plan/measures/{measure.slug}/",
        f"/staff/meetings/{meeting.pk}/screen/",
        "/staff/follow-ups/",
        "/staff/datasets/",
    ]
    yield City(public=public, staff=staff)


def audit(page, base: str, paths: list[str], language: str, width: str) -> list[str]:
    """Open each page and return its violations, one readable line per rule and page."""
    found: list[str] = []
    for path in paths:
        response = page.goto(base + path)
        assert response is not None and response.status == 200, f"{path} answered {response}"
        wait_for_charts(page)
        assert page.locator("html").get_attribute("lang") == language, path
        for violation in axe_violations(page, RULES):
            found.append(
                f"{path} [{language}, {width}] {violation['id']}: {violation['help']} "
                f"at {violation['nodes']}"
            )
    return found


def test_every_page_type_passes_axe_in_both_languages_at_both_widths(
    demo_city, live_server, browser
):
    found: list[str] = []
    for language, (width, viewport) in product(["en", "es"], WIDTHS.items()):
        # axe-core is injected as a script, which the site's CSP rightly blocks.
        context = browser.new_context(viewport=viewport, bypass_csp=True)
        context.add_cookies(
            [{"name": "django_language", "value": language, "url": live_server.url}]
        )
        page = context.new_page()
        page.set_default_timeout(90_000)
        try:
            found += audit(page, live_server.url, demo_city.public, language, width)
            sign_in_by_keyboard(page, live_server.url, "auditor")
            found += audit(page, live_server.url, demo_city.staff, language, width)
        finally:
            context.close()
    assert not found, "axe-core violations:\n" + "\n".join(found)
