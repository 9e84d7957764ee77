from django.urls import path

from citystat.meetings.views import briefing, feeds, followups, public, screen, staff

app_name = "meetings"

urlpatterns = [
    path("meetings/", public.calendar, name="calendar"),
    path("meetings/calendar.ics", feeds.calendar_ics, name="calendar-ics"),
    path("meetings/series/<slug:slug>.ics", feeds.series_ics, name="series-ics"),
    path("meetings/<int:pk>/", public.meeting_page, name="meeting"),
    path("meetings/<int:pk>.ics", feeds.meeting_ics, name="meeting-ics"),
    path("meetings/<int:pk>/memo.txt", public.memo_text, name="meeting-memo-text"),
    path("meetings/<int:pk>/briefing/", briefing.briefing_page, name="meeting-briefing"),
    path("meetings/<int:pk>/briefing.pdf", briefing.briefing_download, name="meeting-briefing-pdf"),
    path("staff/meetings/", staff.meeting_list, name="staff-meetings"),
    path("staff/meetings/new/", staff.meeting_new, name="staff-meeting-new"),
    path("staff/meetings/<int:pk>/", staff.meeting_detail, name="staff-meeting"),
    path("staff/meetings/<int:pk>/cancel/", staff.meeting_cancel, name="staff-meeting-cancel"),
    path("staff/meetings/<int:pk>/held/", staff.meeting_held, name="staff-meeting-held"),
    path(
        "staff/meetings/<int:pk>/agenda/<str:action>/",
        staff.agenda_action,
        name="staff-meeting-agenda",
    ),
    path("staff/meetings/<int:pk>/items/", staff.agenda_item_add, name="staff-agenda-item-add"),
    path(
        "staff/meetings/<int:pk>/items/<int:item_pk>/<str:action>/",
        staff.agenda_item_change,
        name="staff-agenda-item",
    ),
    path("staff/meetings/<int:pk>/attendees/", staff.attendee_add, name="staff-attendee-add"),
    path(
        "staff/meetings/<int:pk>/attendees/<int:attendee_pk>/remove/",
        staff.attendee_remove,
        name="staff-attendee-remove",
    ),
    path("staff/meetings/<int:pk>/screen/", screen.meeting_screen, name="staff-meeting-screen"),
    path(
        "staff/meetings/<int:pk>/screen/advance/",
        screen.meeting_advance,
        name="staff-meeting-advance",
    ),
    path("staff/meetings/<int:pk>/follow-ups/", followups.capture, name="staff-follow-up-capture"),
    path("staff/meeting-series/generate/", staff.series_generate, name="staff-series-generate"),
    path("staff/meeting-series/new/", staff.series_new, name="staff-series-new"),
    path("staff/meeting-series/<slug:slug>/", staff.series_edit, name="staff-series"),
    path("staff/follow-ups/", followups.follow_up_list, name="staff-follow-ups"),
    path("staff/follow-ups/<int:pk>/", followups.follow_up_detail, name="staff-follow-up"),
    path(
        "staff/follow-ups/<int:pk>/status/",
        followups.follow_up_status,
        name="staff-follow-up-status",
    ),
    path(
        "staff/follow-ups/<int:pk>/comments/",
        followups.follow_up_comment,
        name="staff-follow-up-comment",
    ),
]
