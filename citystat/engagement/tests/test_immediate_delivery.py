"""An update staff publish reaches the subscribers who chose "immediately" at once, through
a job queued as it is saved, without `citystat digest`; never twice (#21)."""

from __future__ import annotations

from django.core import mail

from citystat.accounts.testing import signed_in
from citystat.engagement.models import Subscription, Update
from citystat.engagement.subscriptions import DELIVER, send_digest
from citystat.jobs import queue
from citystat.jobs.models import Job

CONFIRMED = "2020-01-01T00:00:00Z"


def subscribers() -> None:
    for email, key, delivery in [
        ("now@example.org", "Ivanhoe", "immediate"),
        ("daily@example.org", "Ivanhoe", "digest"),
        ("elsewhere@example.org", "Westport", "immediate"),
    ]:
        Subscription.objects.create(
            email=email,
            subject="neighborhood",
            subject_key=key,
            delivery=delivery,
            confirmed_at=CONFIRMED,
        )


FORM = {
    "title": "Street trees in Ivanhoe",
    "slug": "ivanhoe-trees",
    "body": "Forty trees this fall.",
    "neighborhoods": ["Ivanhoe"],
    "publish": "on",
}


def test_publishing_by_hand_mails_the_immediate_subscriber_once_without_the_digest(
    mona, city, django_capture_on_commit_callbacks
):
    subscribers()
    client = signed_in(mona)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/staff/updates/new/", FORM)
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["now@example.org"]]
    assert "Street trees in Ivanhoe" in mail.outbox[0].body
    job = Job.objects.get(kind=DELIVER)
    assert job.status == Job.Status.SUCCEEDED
    assert job.result["messages"] == 1

    # Saved again while published, and the job run once more: nobody hears twice.
    update = Update.objects.get(slug="ivanhoe-trees")
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(f"/staff/updates/{update.pk}/", {**FORM, "body": "Fifty trees."})
    assert again.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        queue.enqueue(DELIVER)
    assert Job.objects.filter(kind=DELIVER, status=Job.Status.SUCCEEDED).count() == 3
    assert [m.to for m in mail.outbox] == [["now@example.org"]]

    # The digest still covers the digest subscriber, and only them.
    mail.outbox.clear()
    assert send_digest().messages == 1
    assert [m.to for m in mail.outbox] == [["daily@example.org"]]


def test_a_draft_mails_nobody_until_staff_publish_it(
    mona, city, django_capture_on_commit_callbacks
):
    subscribers()
    client = signed_in(mona)
    mail.outbox.clear()
    draft = {key: value for key, value in FORM.items() if key != "publish"}
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/staff/updates/new/", draft).status_code == 302
    assert mail.outbox == []
    assert not Job.objects.filter(kind=DELIVER).exists()
    # A watch's draft, or any draft, approved by staff: the same form, ticked "Publish now".
    update = Update.objects.get(slug="ivanhoe-trees")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/staff/updates/{update.pk}/", FORM).status_code == 302
    assert [m.to for m in mail.outbox] == [["now@example.org"]]


def test_the_mail_waits_for_the_commit_and_a_worker_when_told_to(
    mona, city, settings, django_capture_on_commit_callbacks
):
    settings.CITYSTAT_JOBS_RUN = "worker"
    subscribers()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert signed_in(mona).post("/staff/updates/new/", FORM).status_code == 302
    assert mail.outbox == []
    assert Job.objects.get(kind=DELIVER).status == Job.Status.QUEUED
    ran, busy = queue.run_all()
    assert ([job.kind for job in ran], busy) == ([DELIVER], [])
    assert [m.to for m in mail.outbox] == [["now@example.org"]]
