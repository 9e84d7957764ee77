"""Staff forms for meetings and follow-ups. Each keeps what was typed and names the field."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any, cast
from zoneinfo import ZoneInfo

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from citystat.city.models import Department
from citystat.meetings.cadence import CadenceError, parse_rule
from citystat.meetings.models import (
    AgendaItem,
    Attendee,
    FollowUp,
    Meeting,
    MeetingSeries,
    RotationSlot,
    validate_livestream,
)
from citystat.plan import revision
from citystat.plan.models import Goal, Measure, Plan, PriorityArea

LOCAL_INPUT = "%Y-%m-%dT%H:%M"


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format=LOCAL_INPUT, **kwargs)


def staff_people() -> Any:
    """Return the people a follow-up may be assigned to: active staff, by name."""
    User = get_user_model()
    return User.objects.filter(is_active=True, staff_profile__isnull=False).order_by(
        "first_name", "last_name", "username"
    )


def current_areas() -> Any:
    plan = Plan.current()
    return PriorityArea.objects.filter(plan=plan) if plan else PriorityArea.objects.none()


def choices(form: forms.BaseForm, name: str) -> forms.ModelChoiceField[Any]:
    # The field's model varies by form; the stubs' generic class is quoted for run time.
    return cast("forms.ModelChoiceField[Any]", form.fields[name])


# Django's ModelForm takes its type argument only in the stubs: the class cannot be
# subscripted at run time (see catalog/admin.py).
class MeetingForm(forms.ModelForm):  # type: ignore[type-arg]
    """Add a one-off meeting or edit one. Times are typed in the meeting's own time zone."""

    starts_local = forms.DateTimeField(
        label="Starts", widget=LocalDateTimeInput(), input_formats=[LOCAL_INPUT]
    )
    ends_local = forms.DateTimeField(
        label="Ends", widget=LocalDateTimeInput(), input_formats=[LOCAL_INPUT]
    )
    livestream_url = forms.URLField(
        assume_scheme="https",
        required=False,
        validators=[validate_livestream],
        label="Livestream address",
        help_text="From an allowed provider only; the page builds the player itself.",
    )

    class Meta:
        model = Meeting
        fields = [
            "title",
            "priority_area",
            "time_zone",
            "location",
            "livestream_url",
            "recording_url",
            "minutes",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices(self, "priority_area").queryset = current_areas()
        self.order_fields(["title", "starts_local", "ends_local", "time_zone", "priority_area"])
        if self.instance.pk:
            self.initial["starts_local"] = self.instance.local_start.replace(tzinfo=None)
            self.initial["ends_local"] = self.instance.local_end.replace(tzinfo=None)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        zone_name = data.get("time_zone") or self.instance.time_zone
        starts, ends = data.get("starts_local"), data.get("ends_local")
        if starts and ends and zone_name:
            zone = ZoneInfo(zone_name)
            data["starts_at"] = timezone.make_aware(starts.replace(tzinfo=None), zone)
            data["ends_at"] = timezone.make_aware(ends.replace(tzinfo=None), zone)
            if data["ends_at"] <= data["starts_at"]:
                self.add_error("ends_local", "The meeting must end after it starts.")
        return data

    def save(self, commit: bool = True) -> Meeting:
        meeting: Meeting = super().save(commit=False)
        moved = meeting.pk and meeting.starts_at != self.cleaned_data["starts_at"]
        meeting.starts_at = self.cleaned_data["starts_at"]
        meeting.ends_at = self.cleaned_data["ends_at"]
        if "priority_area" in self.changed_data:
            meeting.area_chosen_by_staff = True
        if moved and meeting.status == Meeting.Status.SCHEDULED:
            meeting.status = Meeting.Status.MOVED
        if commit:
            meeting.save()
        return meeting


class CancelForm(forms.Form):
    note = forms.CharField(
        max_length=300,
        required=False,
        label="Note for residents",
        help_text="Shown on the meeting page, for example where the topic goes instead.",
    )


class AgendaItemForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = AgendaItem
        fields = ["title", "kind", "notes", "minutes_allotted", "measure"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices(self, "measure").queryset = Measure.objects.order_by("title")
        self.fields["notes"].widget.attrs["rows"] = 2


class AgendaItemTextForm(forms.ModelForm):  # type: ignore[type-arg]
    """Edit an item's wording in place on the agenda list."""

    class Meta:
        model = AgendaItem
        fields = ["title", "notes", "minutes_allotted"]


class AttendeeForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Attendee
        fields = ["role", "name", "department"]


TOKEN = re.compile(r"[0-9a-f]{32}")


def new_submission_token() -> str:
    return uuid.uuid4().hex


class FollowUpForm(forms.ModelForm):  # type: ignore[type-arg]
    """Quick capture: text, owner department and person, due date, goal or measure.

    `submission` is a one-time token drawn with the form: a double click or a retry sends
    the same token, and only one follow-up is made from it (views/followups.py capture).
    """

    submission = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = FollowUp
        fields = ["text", "department", "owner", "due_on", "measure", "goal"]
        labels = {"department": "Owner department", "owner": "Owner", "due_on": "Due date"}
        widgets = {
            "due_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "text": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, meeting: Meeting | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices(self, "department").queryset = Department.objects.order_by("name")
        choices(self, "owner").queryset = staff_people()
        self.fields["owner"].required = True
        choices(self, "owner").label_from_instance = lambda user: (  # type: ignore[method-assign,assignment]
            user.get_full_name() or user.get_username()
        )
        cast(forms.DateField, self.fields["due_on"]).input_formats = ["%Y-%m-%d"]
        if not self.is_bound:
            self.initial["submission"] = new_submission_token()
        measures = Measure.objects.order_by("title")
        goals = Goal.objects.order_by("title")
        if meeting is not None and meeting.priority_area_id:
            measures = measures.filter(objective__goal__priority_area=meeting.priority_area_id)
            goals = goals.filter(priority_area=meeting.priority_area_id)
        choices(self, "measure").queryset = measures
        choices(self, "goal").queryset = goals
        for name in ("department", "owner", "due_on"):
            self.fields[name].error_messages["required"] = {
                "department": "Choose the department that owns this follow-up.",
                "owner": "Choose the person who answers for it.",
                "due_on": "Give a due date (YYYY-MM-DD).",
            }[name]

    def clean_submission(self) -> str:
        token: str = self.cleaned_data.get("submission", "")
        if token and not TOKEN.fullmatch(token):
            raise forms.ValidationError("This form is out of date; reload the page.")
        return token

    def clean_due_on(self) -> dt.date:
        due: dt.date = self.cleaned_data["due_on"]
        if self.instance.pk is None and due < timezone.localdate() - dt.timedelta(days=1):
            raise forms.ValidationError("A new follow-up cannot be due in the past.")
        return due


class FollowUpStatusForm(forms.Form):
    status = forms.ChoiceField(choices=FollowUp.Status.choices)
    reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Reason (required to drop)",
        help_text="Residents see why a promise was dropped.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("status") == FollowUp.Status.DROPPED and not data.get("reason", "").strip():
            self.add_error("reason", "Say why the follow-up is dropped.")
        return data


class CommentForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Comment")


class SeriesForm(forms.ModelForm):  # type: ignore[type-arg]
    """Create or edit a meeting series: its rule, time, place and rotation of areas.

    The rotation takes the chosen areas in the plan's order (docs/meetings.md, "Rotation").
    """

    livestream_url = forms.URLField(
        assume_scheme="https",
        required=False,
        validators=[validate_livestream],
        label="Livestream address",
        help_text="The channel's stream, from an allowed provider only.",
    )
    rotation_areas = forms.ModelMultipleChoiceField(
        queryset=PriorityArea.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Rotation",
        help_text="Meetings take these priority areas in turn, in the plan's order.",
    )

    class Meta:
        model = MeetingSeries
        fields = [
            "title",
            "slug",
            "description",
            "rule",
            "first_date",
            "start_time",
            "duration_minutes",
            "time_zone",
            "location",
            "livestream_url",
            "is_active",
        ]
        labels = {"slug": "Short name in addresses", "is_active": "Active"}
        widgets = {
            "first_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "description": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        areas = current_areas().order_by("position", "pk")
        choices(self, "rotation_areas").queryset = areas
        cast(forms.DateField, self.fields["first_date"]).input_formats = ["%Y-%m-%d"]
        if self.instance.pk:
            self.initial["rotation_areas"] = [a.pk for a in self.instance.rotation_areas()]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        rule, first = data.get("rule"), data.get("first_date")
        if rule and first and data.get("start_time") and not self.has_error("time_zone"):
            trial = MeetingSeries(rule=rule, first_date=first, start_time=data["start_time"])
            try:
                parse_rule(trial)
            except CadenceError as error:
                self.add_error("rule", str(error))
        return data

    def save(self, commit: bool = True) -> MeetingSeries:
        series: MeetingSeries = super().save(commit=commit)
        if commit:
            areas = sorted(self.cleaned_data["rotation_areas"], key=lambda a: (a.position, a.pk))
            series.slots.all().delete()
            RotationSlot.objects.bulk_create(
                RotationSlot(series=series, priority_area=area, position=index)
                for index, area in enumerate(areas)
            )
            revision.stamp_changed("meetings")  # a bulk create sends no signal
        return series


class GenerateForm(forms.Form):
    ahead = forms.IntegerField(
        min_value=1,
        max_value=36,
        initial=6,
        label="How many meetings ahead",
        help_text="Each active series gets its next meetings up to this many; existing ones stay.",
    )
