"""The briefing book of a meeting, as a printable page and as a stored PDF."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from citystat.accounts.roles import is_staff_member
from citystat.meetings.briefing import briefing_book, briefing_pdf, render_briefing_html
from citystat.meetings.models import Meeting


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
    pdf = briefing_pdf(meeting, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"briefing-{meeting.local_start:%Y-%m-%d}-{meeting.pk}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response
