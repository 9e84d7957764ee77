"""Every email the site sends links to CITYSTAT_SITE_URL and nowhere else (#21).

Each email template on disk is rendered by the code that really sends it; a template
no step here renders fails the test, so a new email cannot skip the check.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.test.signals import template_rendered
from django.utils import timezone

from citystat.engagement.models import AreaKind, Question, Subscription, Update
from citystat.engagement.moderation import answer_in_writing
from citystat.engagement.subscriptions import send_digest, subscribe
from citystat.meetings.models import FollowUp, Meeting
from citystat.plan.models import MeasureValue

SITE = "https://stat.example.test:8443"
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
LINK = re.compile(r"""(?:href|src)\s*=\s*["']([^"']*)["']|(\b[a-z][a-z0-9+.-]*://[^\s"'<>]+)""")


def email_templates() -> set[str]:
    found = {*TEMPLATES.glob("**/email/*.*"), *TEMPLATES.glob("**/*_email.*")}
    return {str(path.relative_to(TEMPLATES)) for path in found}


def links_of(message) -> list[str]:
    parts = [message.body, *(content for content, _type in getattr(message, "alternatives", []))]
    links = []
    for part in parts:
        for attribute, bare in LINK.findall(part):
            links.append(attribute or bare)
    return links


@pytest.fixture
def rendered():
    names: set[str] = set()

    def record(sender, template, context, **kwargs):
        names.add(template.name)

    template_rendered.connect(record)
    yield names
    template_rendered.disconnect(record)


def test_every_email_template_links_only_to_the_site_url(
    settings, rendered, client, city, measure, mona, goal, departments
):
    settings.CITYSTAT_SITE_URL = SITE
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    now = timezone.now()
    # A confirmation for each subject, then the digest with an update, a meeting, a measure.
    for subject, key in [
        ("neighborhood", "Ivanhoe"),
        ("meetings", ""),
        ("measure", str(measure.pk)),
    ]:
        subscribe("resident@example.org", subject, key)
    Subscription.objects.update(confirmed_at=now - dt.timedelta(days=1))
    update = Update.objects.create(title="News", slug="news", body="Body", published_at=now)
    update.areas.create(kind=AreaKind.NEIGHBORHOOD, name="Ivanhoe")
    Meeting.objects.create(
        title="KCStat",
        starts_at=now + dt.timedelta(days=2),
        ends_at=now + dt.timedelta(days=2, hours=1),
        priority_area=goal.priority_area,
    )
    MeasureValue.objects.create(
        measure=measure,
        period="2026-10",
        period_start=dt.date(2026, 10, 1),
        period_end=dt.date(2026, 10, 31),
        value=80,
    )
    assert send_digest().messages == 1
    # "Your question was answered".
    question = Question.objects.create(
        text="When?", channel=Question.Channel.FORM, contact_email="asker@example.org"
    )
    answer_in_writing(question, "Next week.")
    # A follow-up owner's reminder, as cron runs it.
    FollowUp.objects.create(
        meeting=Meeting.objects.get(),
        text="Report back",
        department=departments["water"],
        owner=mona,
        due_on=timezone.localdate() - dt.timedelta(days=1),
    )
    mona.email = "mona@example.org"
    mona.save()
    call_command("remind")
    # A staff password reset, asked for under another host name.
    client.post("/staff/password-reset/", {"email": "mona@example.org"}, HTTP_HOST="localhost")

    assert email_templates() <= rendered, "an email template was not rendered by this test"
    assert len(mail.outbox) >= 6
    for message in mail.outbox:
        links = links_of(message)
        assert links, message.subject
        for link in links:
            assert link.startswith(SITE + "/"), f"{message.subject}: {link}"
