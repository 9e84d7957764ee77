"""What a moderator does to a question: approve, reject, merge, assign, answer, show live.

Each function saves the question (the audit log and the board version follow from the
save) and, when a question becomes answered, tells the resident once if they left an
email address (`notify_answered`).
"""

from __future__ import annotations

import re

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from citystat.city.translations import TranslationError, validate_translations
from citystat.engagement.board import bump_board
from citystat.engagement.emails import send_answer_email
from citystat.engagement.models import Question
from citystat.lib.errors import CitystatError


class ModerationError(CitystatError):
    pass


def approve(question: Question) -> None:
    question.state = Question.State.APPROVED
    question.rejection_reason = ""
    question.save()


def reject(question: Question, reason: str) -> None:
    reason = reason.strip()
    if not reason:
        raise ModerationError(_("Say why the question is rejected; the reason is kept."))
    question.state = Question.State.REJECTED
    question.rejection_reason = reason[:300]
    question.live = Question.Live.NOT_SHOWN
    question.save()


def merge(question: Question, into: Question) -> None:
    """Fold a duplicate into `into`: it leaves the queue and the board, `into` stands for it."""
    if into.pk == question.pk or into.merged_into_id == question.pk:
        raise ModerationError(_("A question cannot be merged into itself."))
    while into.merged_into is not None:
        into = into.merged_into
    question.state = Question.State.MERGED
    question.merged_into = into
    question.live = Question.Live.NOT_SHOWN
    question.save()


def assign(question: Question, *, meeting_id: int | None, goal_id: int | None) -> None:
    previous_meeting = question.meeting_id
    question.meeting_id = meeting_id
    question.goal_id = goal_id
    if previous_meeting != meeting_id:
        question.live = Question.Live.NOT_SHOWN
    question.save()
    if previous_meeting and previous_meeting != meeting_id:
        bump_board(previous_meeting)


def answer_in_writing(
    question: Question, text: str, translations: dict[str, dict[str, str]] | None = None
) -> None:
    """Publish the written answer; `translations` ({"es": {"answer": …}}) replaces the
    answer's other languages, None keeps them. Refused input changes nothing."""
    text = text.strip()
    if not text:
        raise ModerationError(_("Write the answer residents will read."))
    if translations is not None:
        try:
            cleaned = validate_translations(translations, Question.TRANSLATABLE)
        except TranslationError as error:
            raise ModerationError(str(error)) from None
        question.translations = cleaned
    question.answer = text
    question.state = Question.State.ANSWERED
    question.answered_at = question.answered_at or timezone.now()
    question.save()
    notify_answered(question)


def put_on_screen(question: Question) -> None:
    """Show the question on its meeting's board; the one shown before steps down."""
    if question.meeting_id is None:
        raise ModerationError(_("Assign the question to a meeting before showing it."))
    if not question.is_public:
        raise ModerationError(_("Approve the question before showing it."))
    with transaction.atomic():
        shown = Question.objects.filter(
            meeting_id=question.meeting_id, live=Question.Live.ON_SCREEN
        )
        for other in shown.exclude(pk=question.pk):
            other.live = Question.Live.NOT_SHOWN
            other.save()
        question.live = Question.Live.ON_SCREEN
        question.shown_at = timezone.now()
        question.save()


def take_off_screen(question: Question) -> None:
    question.live = Question.Live.NOT_SHOWN
    question.save()


# The longest live answer published on a question; longer belongs in a written answer
# or the minutes.
ANSWER_MAX_CHARS = 5000
# Anything that reads as an HTML tag or entity: answers are plain text, shown escaped.
MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!?][^>]*>|&[a-zA-Z#][a-zA-Z0-9]*;")


def check_live_answer(text: str) -> str:
    """Return the answer as published (trimmed), or refuse it with the reason."""
    text = text.strip()
    if not text:
        raise ModerationError(_("Write the answer given in the meeting; residents read it."))
    if len(text) > ANSWER_MAX_CHARS:
        raise ModerationError(
            _("The answer is %(count)s characters long; at most %(limit)s are published.")
            % {"count": f"{len(text):,}", "limit": f"{ANSWER_MAX_CHARS:,}"}
        )
    if MARKUP.search(text):
        raise ModerationError(
            _("Write the answer as plain text: markup such as <b> or &amp; is not published.")
        )
    return text


def answered_live(
    question: Question, recording_seconds: int | None = None, *, answer: str | None = None
) -> None:
    """Mark the question answered in the meeting, optionally where in the recording.

    `answer`, when given, is the answer's text, published on the question; it is checked
    (check_live_answer) before anything changes.
    """
    if question.meeting_id is None or not question.is_public:
        raise ModerationError(_("Only an approved question of a meeting can be answered live."))
    if answer is not None:
        question.answer = check_live_answer(answer)
    now = timezone.now()
    question.live = Question.Live.ANSWERED_LIVE
    question.state = Question.State.ANSWERED
    question.answered_live_at = now
    question.answered_at = question.answered_at or now
    question.recording_seconds = recording_seconds
    question.save()
    notify_answered(question)


def notify_answered(question: Question) -> bool:
    """Email the resident that their question was answered, once; say whether it was sent."""
    if not question.contact_email:
        return False
    now = timezone.now()
    claimed = Question.objects.filter(pk=question.pk, answer_emailed_at__isnull=True).update(
        answer_emailed_at=now
    )
    if not claimed:
        return False
    # Later saves of this instance must not write the old empty value back.
    question.answer_emailed_at = now
    send_answer_email(question)
    return True


def parse_recording_time(text: str) -> int | None:
    """Read `1:02:03`, `62:03` or `3723` as seconds into the recording; blank is None."""
    text = text.strip()
    if not text:
        return None
    parts = text.split(":")
    if len(parts) > 3 or not all(part.isdigit() for part in parts):
        raise ModerationError(_("Write the time in the recording as h:mm:ss, such as 1:02:03."))
    seconds = 0
    for part in parts:
        seconds = seconds * 60 + int(part)
    return seconds
