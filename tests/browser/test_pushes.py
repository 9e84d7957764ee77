"""Neighborhood news end to end in a real browser (#21): a resident subscribes (English
and Spanish), staff target an update at the neighborhood or watch a dataset, and the
message reaches the resident's email (the test outbox), whose link opens the news.
Desktop and phone widths; each form's error path first."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import cast

import pytest
from django.contrib.auth.models import User
from django.core import mail

from citystat.accounts.roles import sync_roles
from citystat.accounts.testing import PASSWORD, make_person
from citystat.catalog.ingest import ingest
from citystat.catalog.models import Dataset
from citystat.city.profile import load_city_file
from citystat.demo.datasets import DEMOLITIONS_SCHEMA
from citystat.engagement.models import Subscription, Update, Watch
from citystat.engagement.subscriptions import send_digest

pytestmark = pytest.mark.browser

CITY_FILE = Path(__file__).parents[2] / "citystat/engagement/tests/fixtures/city.yaml"
FIELDS = [spec["name"] for spec in cast(list, DEMOLITIONS_SCHEMA["fields"])]
SIZES = [("en", 1280, 900), ("en", 390, 844), ("es", 390, 844)]
WORDS = {
    "en": {
        "about": "Send me news about",
        "neighborhood": "Neighborhood",
        "email": "Your email",
        "how": "How often",
        "subscribe": "Subscribe",
        "confirm": "Confirm my subscription",
        "immediate": "As soon as it is published",
        "digest": "In a digest",
        "subject": "A neighborhood",
    },
    "es": {
        "about": "Enviarme noticias sobre",
        "neighborhood": "Vecindario",
        "email": "Su correo electrónico",
        "how": "Con qué frecuencia",
        "subscribe": "Suscribirse",
        "confirm": "Confirmar mi suscripción",
        "immediate": "En cuanto se publique",
        "digest": "En un resumen",
        "subject": "Un vecindario",
    },
}


@pytest.fixture
def staff(transactional_db) -> User:
    load_city_file(CITY_FILE)
    sync_roles()
    user = make_person("mona", "moderator")
    return user


def new_page(browser, live_server, language: str, width: int, height: int):
    context = browser.new_context(viewport={"width": width, "height": height})
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    return context.new_page()


def sign_in(page, base_url: str) -> None:
    page.goto(base_url + "/staff/login/")
    page.get_by_label("Username").fill("mona")
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def subscribe_in_browser(page, base_url: str, language: str, email: str, delivery: str) -> None:
    """Subscribe to Ivanhoe through the public form, refused once, then confirm by link."""
    words = WORDS[language]
    page.goto(base_url + "/subscribe/")
    assert page.locator("html").get_attribute("lang") == language
    page.get_by_label(words["email"]).fill(email)
    page.get_by_label(words["about"]).select_option(label=words["subject"])
    page.get_by_label(words["how"]).select_option(label=words[delivery])
    with page.expect_navigation():
        page.get_by_role("button", name=words["subscribe"]).click()
    # No neighborhood chosen: refused beside the field, the address kept.
    assert page.locator(".field--invalid").count() >= 1
    assert page.get_by_label(words["email"]).input_value() == email
    page.get_by_label(words["neighborhood"], exact=True).select_option("Ivanhoe")
    with page.expect_navigation():
        page.get_by_role("button", name=words["subscribe"]).click()
    link = re.search(r"https?://[^/\s]+(/subscribe/confirm/[^\s/]+/)", mail.outbox[-1].body)
    assert link, mail.outbox[-1].body
    page.goto(base_url + link.group(1))
    with page.expect_navigation():
        page.get_by_role("button", name=words["confirm"]).click()
    assert Subscription.objects.get(email=email).is_active


def emailed_link(email: str) -> str:
    messages = [m for m in mail.outbox if m.to == [email] and "/updates/" in m.body]
    assert messages, [m.to for m in mail.outbox]
    found = re.search(r"https?://[^/\s]+(/updates/[^\s]+/)", messages[-1].body)
    assert found, messages[-1].body
    return found.group(1)


@pytest.mark.parametrize(("language", "width", "height"), SIZES)
def test_an_update_targeted_at_a_neighborhood_reaches_its_digest(
    staff, live_server, browser, language, width, height
):
    resident = new_page(browser, live_server, language, width, height)
    subscribe_in_browser(resident, live_server.url, language, "res@example.org", "digest")

    page = new_page(browser, live_server, "en", width, height)
    sign_in(page, live_server.url)
    page.goto(live_server.url + "/staff/updates/new/")
    search = page.get_by_label("Search the list").first
    search.fill("ivan")
    assert page.get_by_label("Westport").is_hidden()
    ivanhoe = page.get_by_role("checkbox", name="Ivanhoe")
    ivanhoe.check()
    search.fill("")
    assert page.get_by_label("Westport").is_visible()
    fits(page, width)
    # No title: refused beside the field, the ticked neighborhood kept.
    page.get_by_label("Body").fill("Forty new street trees this fall.")
    page.get_by_label("Publish now").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    assert page.locator(".field--invalid").count() >= 1
    assert page.get_by_role("checkbox", name="Ivanhoe").is_checked()
    assert not Update.objects.exists()
    page.get_by_label("Title").fill("Street trees in Ivanhoe")
    page.get_by_label("Slug").fill("ivanhoe-trees")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    assert Update.objects.get().areas.get().name == "Ivanhoe"

    mail.outbox.clear()
    assert send_digest().messages == 1
    assert "Street trees in Ivanhoe" in mail.outbox[0].body
    resident.goto(live_server.url + emailed_link("res@example.org"))
    assert resident.get_by_role("heading", name="Street trees in Ivanhoe").is_visible()
    fits(resident, width)  # no dataset table here (see the next test)


def write(path: Path, rows: list[tuple[int, str, int]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        writer.writeheader()
        for number, neighborhood, district in rows:
            writer.writerow(
                {
                    "demolition_id": number,
                    "parcel_id": f"SECRET-PARCEL-{number}",
                    "street_address": f"{number} Troost Ave",
                    "neighborhood": neighborhood,
                    "council_district": district,
                    "reason": "Vacant and open",
                    "status": "planned",
                    "planned_date": "2026-12-01",
                }
            )
    return path


@pytest.mark.parametrize(("language", "width", "height"), SIZES)
def test_a_demolitions_load_reaches_subscribers_at_once_and_in_the_digest(
    staff, live_server, browser, tmp_path, language, width, height
):
    dataset = Dataset.objects.create(
        slug="demolitions", title="Demolitions", table_schema=DEMOLITIONS_SCHEMA, is_public=True
    )
    ingest(dataset, write(tmp_path / "v1.csv", [(1, "Ivanhoe", 1), (2, "Westport", 2)]))
    resident = new_page(browser, live_server, language, width, height)
    subscribe_in_browser(resident, live_server.url, language, "now@example.org", "immediate")
    Subscription.objects.create(
        email="daily@example.org",
        subject="neighborhood",
        subject_key="Ivanhoe",
        confirmed_at=Subscription.objects.get().confirmed_at,
    )

    page = new_page(browser, live_server, "en", width, height)
    sign_in(page, live_server.url)
    page.goto(live_server.url + "/staff/watches/new/")
    page.get_by_label("Dataset").select_option(label="Demolitions")
    page.get_by_label("Which rows").select_option(label="New rows")
    page.get_by_label("Group rows by these place columns").fill("neighborhood\nward")
    page.get_by_label("Columns to show for each row").fill("street_address, parcel_id")
    page.get_by_label("Publish each drafted update at once").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    # Both mistakes named beside their fields; what was typed is kept.
    assert "ward is not a field of demolitions" in page.content()
    assert "parcel_id is withheld from the public" in page.content()
    assert page.get_by_label("Group rows by these place columns").input_value() == (
        "neighborhood\nward"
    )
    assert not Watch.objects.exists()
    fits(page, width)
    page.get_by_label("Group rows by these place columns").fill("neighborhood")
    page.get_by_label("Columns to show for each row").fill("street_address, reason")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    assert page.get_by_role("link", name="Demolitions").is_visible()

    mail.outbox.clear()
    rows = [(1, "Ivanhoe", 1), (2, "Westport", 2), (3, "Ivanhoe", 1), (4, "Ivanhoe", 1)]
    ingest(dataset, write(tmp_path / "v2.csv", rows))
    # The immediate subscriber has it when the load ends; the digest one has not yet.
    assert [m.to for m in mail.outbox] == [["now@example.org"]]
    assert "Demolitions: 2 new rows in Ivanhoe" in mail.outbox[0].body
    assert "SECRET-PARCEL" not in mail.outbox[0].body
    resident.goto(live_server.url + emailed_link("now@example.org"))
    assert resident.get_by_role("heading", name="Demolitions: 2 new rows in Ivanhoe").is_visible()
    assert resident.get_by_text("4 Troost Ave").first.is_visible()
    assert "SECRET-PARCEL" not in resident.content()
    assert send_digest().messages == 1
    assert mail.outbox[-1].to == ["daily@example.org"]
    assert send_digest().messages == 0
