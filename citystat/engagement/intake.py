"""Every way a question arrives (form, API, webhook, Mastodon) ends in `receive_question`.

It checks the text the same way for each channel, sets the automatic flags and stores
the question as pending: nothing is public until a moderator approves it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from citystat.engagement.flags import flag_question
from citystat.engagement.models import QUESTION_MAX_LENGTH, Question
from citystat.lib.errors import CitystatError

# Control characters other than these mean the text is binary or was mangled on the way.
ALLOWED_CONTROLS = {"\n", "\r", "\t"}


class QuestionRefused(CitystatError):
    """The question cannot be taken; `field` names what was wrong, the message says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def question_text_problem(text: str) -> str | None:
    """Return why `text` cannot be a question (empty, too long, binary), or None if it can."""
    if "\x00" in text or "\ufffd" in text:
        return _("The question contains binary data; please type it as plain text.")
    controls = [
        character
        for character in text
        if unicodedata.category(character) == "Cc" and character not in ALLOWED_CONTROLS
    ]
    if controls:
        return _("The question contains control characters; please type it as plain text.")
    stripped = text.strip()
    if not stripped:
        return _("Please type your question; it is empty.")
    if len(stripped) > QUESTION_MAX_LENGTH:
        return _(
            "Your question is %(length)s characters long; please shorten it to "
            "%(limit)s characters or fewer."
        ) % {"length": f"{len(stripped):,}", "limit": f"{QUESTION_MAX_LENGTH:,}"}
    return None


def decode_text(raw: bytes) -> str:
    """Decode bytes from a request as UTF-8, marking undecodable bytes so they are refused."""
    return raw.decode("utf-8", errors="replace")


@dataclass
class Intake:
    text: str
    channel: str
    name: str = ""
    contact_email: str = ""
    neighborhood: str = ""
    source: str = ""
    external_id: str = ""
    external_url: str = ""
    submitted_ip: str | None = None
    goal_id: int | None = None
    measure_id: int | None = None
    meeting_id: int | None = None


def check_intake(intake: Intake) -> None:
    """Raise QuestionRefused for the first thing wrong with `intake`."""
    problem = question_text_problem(intake.text)
    if problem:
        raise QuestionRefused("text", problem)
    if len(intake.name) > 120:
        raise QuestionRefused("name", _("Please shorten your name to 120 characters or fewer."))
    if intake.contact_email:
        try:
            validate_email(intake.contact_email)
        except ValidationError as error:
            raise QuestionRefused(
                "email", _("Please give an email address such as name@example.org.")
            ) from error
    if len(intake.neighborhood) > 120:
        raise QuestionRefused("neighborhood", _("Please choose a neighborhood from the list."))


def receive_question(intake: Intake) -> Question:
    """Check, flag and store a question as pending; a repeated social post returns the first."""
    check_intake(intake)
    if intake.external_id:
        existing = Question.objects.filter(
            channel=intake.channel, source=intake.source, external_id=intake.external_id
        ).first()
        if existing is not None:
            return existing
    recent = []
    if intake.submitted_ip or intake.contact_email:
        same_sender = Question.objects.all()
        if intake.contact_email:
            same_sender = same_sender.filter(contact_email__iexact=intake.contact_email)
        else:
            same_sender = same_sender.filter(submitted_ip=intake.submitted_ip)
        recent = list(same_sender.order_by("-created_at").values_list("text", flat=True)[:5])
    flags = flag_question(intake.text, recent_texts=recent)
    question = Question(
        text=intake.text.strip(),
        channel=intake.channel,
        name=intake.name.strip(),
        contact_email=intake.contact_email.strip(),
        neighborhood=intake.neighborhood.strip(),
        source=intake.source,
        external_id=intake.external_id,
        external_url=intake.external_url,
        submitted_ip=intake.submitted_ip,
        goal_id=intake.goal_id,
        measure_id=intake.measure_id,
        meeting_id=intake.meeting_id,
        flagged_spam=flags.spam,
        flagged_abusive=flags.abusive,
        flag_reasons=flags.summary,
    )
    try:
        question.full_clean()
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise QuestionRefused(field, " ".join(messages)) from error
    question.save()
    return question
