"""The briefing book of a meeting, as a printable page and as a stored PDF."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import translation

from citystat.accounts.ratelimit import check_rate
from citystat.accounts.roles import is_staff_member
from citystat.meetings.briefing import (
    briefing_book,
    briefing_is_stale,
    briefing_pdf,
    render_briefing_html,
    stored_copy,
)
from citystat.meetings.models import Meeting

PDF_RENDERS_PER_HOUR = 10


def briefing_meeting(request: HttpRequest, pk: int) -> Meeting:
    """Return the meeting whose briefing the visitor may read.

    Residents read it once the agenda is public (docs/meetings.md, "Briefing book");
    staff read it at any time, while they prepare.
    """
    meeting = get_object_or_404(Meeting.objects.select_related("priority_area"), pk=pk)
    staff = request.user.is_authenticated and is_staff_member(request.user)
    if not staff and not meeting.agenda_is_public():
        raise Http404("The briefing book is published with the agenda.")
    return meeting


def briefing_page(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = briefing_meeting(request, pk)
    return HttpResponse(render_briefing_html(briefing_book(meeting), request=request))


def briefing_download(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = briefing_meeting(request, pk)
    # The book is in the visitor's language (LocaleMiddleware chose it), one copy each.
    if briefing_is_stale(meeting):
        # Making a PDF takes seconds of CPU: a visitor may cause only a few an hour; past
        # that they get the stored copy (or wait, when there is none yet).
        decision = check_rate(request, "briefing-pdf", PDF_RENDERS_PER_HOUR, 3600)
        copy = stored_copy(meeting)
        if not decision.allowed and copy is None:
            response = HttpResponse("Too many briefing books made; try again later.", status=429)
            response["Retry-After"] = str(decision.retry_after)
            return response
        if not decision.allowed and copy is not None:
            return pdf_response(meeting, bytes(copy.pdf))
    pdf = briefing_pdf(meeting, base_url=request.build_absolute_uri("/"))
    return pdf_response(meeting, pdf)


def pdf_response(meeting: Meeting, pdf: bytes) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    language = translation.get_language() or "en"
    name = f"briefing-{meeting.local_start:%Y-%m-%d}-{meeting.pk}-{language}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response
