"""The messages engagement sends: confirm a subscription, a digest, "your question was answered".

Each has a plain-text part and an HTML part drawn from templates (autoescaped, so what a
resident typed can never become markup), and every message to a subscriber carries a
one-click unsubscribe link in its body and in the List-Unsubscribe header (RFC 8058).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from citystat.engagement.models import Question


def site_url(path: str) -> str:
    """Return `path` as an absolute link for an email (CITYSTAT_SITE_URL, docs/configuration.md)."""
    base = getattr(settings, "CITYSTAT_SITE_URL", "") or "http://127.0.0.1:8000"
    return base.rstrip("/") + path


def send_message(
    to: str,
    subject: str,
    template: str,
    context: dict[str, Any],
    *,
    unsubscribe_url: str = "",
) -> None:
    """Send `templates/engagement/email/<template>.txt` and `.html` to one address."""
    context = {**context, "unsubscribe_url": unsubscribe_url}
    text = render_to_string(f"engagement/email/{template}.txt", context)
    html = render_to_string(f"engagement/email/{template}.html", context)
    headers = {}
    if unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split())[:200], body=text, to=[to], headers=headers
    )
    message.attach_alternative(html, "text/html")
    message.send()


def question_public_url(question: Question) -> str:
    if question.meeting is not None:
        return f"{question.meeting.get_absolute_url()}#question-{question.pk}"
    return f"/questions/{question.pk}/"


def send_answer_email(question: Question) -> None:
    send_message(
        question.contact_email,
        _("Your question was answered"),
        "answered",
        {"question": question, "link": site_url(question_public_url(question))},
    )
