from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from citystat.meetings.models import (
    AgendaItem,
    Attendee,
    FollowUp,
    Meeting,
    MeetingSeries,
    RotationSlot,
)


# Django's ModelAdmin takes its type argument only in the stubs: the class cannot be
# subscripted at run time (see catalog/admin.py).
class RotationSlotInline(admin.TabularInline):  # type: ignore[type-arg]
    model = RotationSlot
    extra = 1


@admin.register(MeetingSeries)
class MeetingSeriesAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["title", "rule", "start_time", "time_zone", "is_active"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [RotationSlotInline]

    def save_related(self, request, form, formsets, change):  # type: ignore[no-untyped-def]
        """Generate the series' next meetings once its rotation is saved, as the staff page does."""
        # Imported here: start-up loads the admin; the cadence rules (dateutil's rrule) load
        # with the URLs.
        from citystat.meetings.cadence import CadenceError, schedule_series  # noqa: PLC0415

        super().save_related(request, form, formsets, change)
        if not form.instance.is_active:
            return
        try:
            done = schedule_series(form.instance)
        except CadenceError as error:
            self.message_user(request, f"No meetings generated: {error}", level="error")
            return
        self.message_user(request, done.summary())


class AgendaItemInline(admin.TabularInline):  # type: ignore[type-arg]
    model = AgendaItem
    extra = 0
    fields = ["position", "kind", "title", "measure"]
    raw_id_fields = ["measure"]


class AttendeeInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Attendee
    extra = 0


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["title", "starts_at", "status", "priority_area", "agenda_published_at"]
    list_filter = ["status", "series", "priority_area"]
    readonly_fields = ["uid", "sequence", "occurrence"]
    inlines = [AgendaItemInline, AttendeeInline]


@admin.register(FollowUp)
class FollowUpAdmin(SimpleHistoryAdmin):
    list_display = ["text", "department", "owner", "due_on", "status"]
    list_filter = ["status", "department"]
