from django.urls import path

from citystat.meetings.views import feeds, public

app_name = "meetings"

urlpatterns = [
    path("meetings/", public.calendar, name="calendar"),
    path("meetings/calendar.ics", feeds.calendar_ics, name="calendar-ics"),
    path("meetings/series/<slug:slug>.ics", feeds.series_ics, name="series-ics"),
    path("meetings/<int:pk>/", public.meeting_page, name="meeting"),
]
