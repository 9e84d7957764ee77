"""An update staff publish by hand reaches the resident who chose "As soon as it is
published" at once, with no digest run (#21): the resident subscribes in English or
Spanish, staff save the update (refused once for a missing title, then a draft, then
published), and the email's link opens the news. Desktop and phone widths."""

from __future__ import annotations

import pytest
from django.core import mail

from citystat.engagement.models import Update
from citystat.jobs.models import Job
from tests.browser.test_pushes import (  # noqa: F401
    SIZES,
    emailed_link,
    fits,
    new_page,
    sign_in,
    staff,
    subscribe_in_browser,
)

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("language", "width", "height"), SIZES)
def test_a_published_update_reaches_the_immediate_subscriber_without_the_digest(
    staff,  # noqa: F811
    live_server,
    browser,
    language,
    width,
    height,
):
    resident = new_page(browser, live_server, language, width, height)
    subscribe_in_browser(resident, live_server.url, language, "now@example.org", "immediate")
    mail.outbox.clear()

    page = new_page(browser, live_server, "en", width, height)
    sign_in(page, live_server.url)
    page.goto(live_server.url + "/staff/updates/new/")
    page.get_by_role("checkbox", name="Ivanhoe").check()
    page.get_by_label("Body").fill("The Ivanhoe pool opens on Saturday.")
    page.get_by_label("Publish now").check()
    # No title: refused beside the field, nothing saved, nobody mailed.
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    assert page.locator(".field--invalid").count() >= 1
    assert page.get_by_role("checkbox", name="Ivanhoe").is_checked()
    fits(page, width)
    assert not Update.objects.exists()
    # Saved as a draft first: still nobody mailed.
    page.get_by_label("Title").fill("Ivanhoe pool opens")
    page.get_by_label("Slug").fill("ivanhoe-pool")
    page.get_by_label("Publish now").uncheck()
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    assert mail.outbox == []

    # Published from the list: the email is there when the page comes back.
    page.get_by_role("link", name="Ivanhoe pool opens").click()
    page.get_by_label("Publish now").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    assert page.get_by_text("It is public.").is_visible()
    assert [m.to for m in mail.outbox] == [["now@example.org"]]
    assert "Ivanhoe pool opens" in mail.outbox[0].body
    assert Job.objects.filter(kind="engagement.deliver", status="succeeded").count() == 1

    # Saved again: the ledger keeps the resident from hearing twice.
    page.get_by_role("link", name="Ivanhoe pool opens").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    assert len(mail.outbox) == 1

    resident.goto(live_server.url + emailed_link("now@example.org"))
    assert resident.get_by_role("heading", name="Ivanhoe pool opens").is_visible()
    fits(resident, width)
