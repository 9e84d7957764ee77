"""Public meeting pages: the calendar and one meeting. Read-only."""

from __future__ import annotations

from csp.decorators import csp_update
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.safestring import mark_safe

from citystat.meetings import hooks
from citystat.meetings.livestream import PROVIDER_LABELS, parse_stream, player_origins
from citystat.meetings.memo import follow_up_memo
from citystat.meetings.models import Meeting, MeetingSeries
from citystat.meetings.queries import public_meetings
from citystat.meetings.visibility import calendar_row, public_view
from citystat.meetings.zones import zone_label
from citystat.plan.models import Plan, PriorityArea

PAST_SHOWN = 24


def calendar(request: HttpRequest) -> HttpResponse:
    areas = PriorityArea.objects.filter(plan=Plan.current()) if Plan.current() else []
    chosen = request.GET.get("area", "")
    meetings = public_meetings()
    if chosen:
        meetings = meetings.filter(priority_area__slug=chosen)
    now = timezone.now()
    # A meeting marked held has taken place, even before its planned end.
    held = Q(status=Meeting.Status.HELD)
    upcoming = meetings.filter(ends_at__gt=now).exclude(held).order_by("starts_at")
    past = meetings.filter(Q(ends_at__lte=now) | held).order_by("-starts_at")[:PAST_SHOWN]
    return render(
        request,
        "meetings/calendar.html",
        {
            "areas": areas,
            "chosen": chosen,
            "upcoming": [calendar_row(meeting, now) for meeting in upcoming],
            "past": [calendar_row(meeting, now) for meeting in past],
            "series_list": MeetingSeries.objects.filter(is_active=True),
        },
    )


def allow_player_frames(view):  # type: ignore[no-untyped-def]
    """Let this view's page frame the allowed livestream players, and nothing else.

    The site-wide CSP has no frame-src beyond 'self' (settings.py); only the meeting
    page embeds a player, so only it widens the policy.
    """

    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponseBase:  # type: ignore[no-untyped-def]
        widened = csp_update({"frame-src": ["'self'", *player_origins()]})(view)
        return widened(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


@allow_player_frames
def meeting_page(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_object_or_404(Meeting.objects.select_related("priority_area", "series"), pk=pk)
    view = public_view(meeting)
    watch = where_to_watch(meeting)
    stream = parse_stream(str(watch["watch_url"])) if view.is_live and watch["watch_url"] else None
    panels = [mark_safe(html) for html in hooks.panels_for(request, meeting, False)]
    memo = follow_up_memo(meeting) if meeting.status == Meeting.Status.HELD else None
    context = {
        "view": view,
        "meeting": meeting,
        "stream": stream,
        "panels": panels,
        "memo": memo,
        "zone_label": zone_label(meeting.time_zone),
        **watch,
    }
    return render(request, "meetings/meeting.html", context)


def where_to_watch(meeting: Meeting) -> dict[str, object]:
    """Return where the meeting is held and streamed: its own fields, else its series'."""
    series = meeting.series
    url = meeting.livestream_url or (series.livestream_url if series else "")
    stream = parse_stream(url) if url else None
    if stream is None:
        provider = ""
    elif stream.provider.startswith("own:"):
        provider = stream.provider[4:]
    else:
        provider = PROVIDER_LABELS.get(stream.provider, stream.provider)
    return {
        "watch_location": meeting.location or (series.location if series else ""),
        # Only an allowed provider's address is linked (validate_livestream).
        "watch_url": url if stream else "",
        "watch_provider": provider,
    }


def memo_text(request: HttpRequest, pk: int) -> HttpResponse:
    """Return the follow-up memo of a held meeting as plain text (for email and print)."""
    meeting = get_object_or_404(Meeting, pk=pk, status=Meeting.Status.HELD)
    return HttpResponse(follow_up_memo(meeting).as_text(), content_type="text/plain; charset=utf-8")
