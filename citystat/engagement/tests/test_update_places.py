"""The staff "New update" form targets neighborhoods and districts with real checkboxes,
and the digest then reaches the subscribers of those places (#21)."""

from __future__ import annotations

import re

from django.core import mail

from citystat.accounts.testing import signed_in
from citystat.engagement.models import Subscription
from citystat.engagement.subscriptions import send_digest


def test_each_place_is_a_labelled_checkbox_once(mona, city):
    page = signed_in(mona).get("/staff/updates/new/").content.decode()
    boxes = re.findall(
        r'<input type="checkbox" name="neighborhoods" value="([^"]+)"[^>]*id="([^"]+)"', page
    )
    assert sorted(value for value, _ in boxes) == ["Ivanhoe", "Westport"]
    for _value, box_id in boxes:
        assert f'<label for="{box_id}">' in page
    # The old multiple select printed each name as bare text beside its label.
    assert "<option" not in page.split('id="id_neighborhoods_list"')[1].split("</fieldset>")[0]
    assert 'data-filter-choices="id_neighborhoods_list"' in page
    assert 'data-filter-choices="id_districts_list"' in page


def test_an_update_saved_for_a_neighborhood_reaches_its_subscribers_only(mona, city):
    now_active = {"confirmed_at": "2020-01-01T00:00:00Z"}
    Subscription.objects.create(
        email="ivanhoe@example.org", subject="neighborhood", subject_key="Ivanhoe", **now_active
    )
    Subscription.objects.create(
        email="westport@example.org", subject="neighborhood", subject_key="Westport", **now_active
    )
    Subscription.objects.create(
        email="district@example.org", subject="district", subject_key="1", **now_active
    )
    response = signed_in(mona).post(
        "/staff/updates/new/",
        {
            "title": "Street trees in Ivanhoe",
            "slug": "ivanhoe-trees",
            "body": "Forty trees this fall.",
            "neighborhoods": ["Ivanhoe"],
            "districts": ["1"],
            "publish": "on",
        },
    )
    assert response.status_code == 302
    mail.outbox.clear()
    report = send_digest()
    assert report.messages == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["district@example.org", "ivanhoe@example.org"]
    assert all("Street trees in Ivanhoe" in m.body for m in mail.outbox)
