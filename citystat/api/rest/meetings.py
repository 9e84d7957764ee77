"""Stat meetings, their follow-ups and the city's public updates in the REST API: read only,
public fields only (no attendee, owner or author names; no resident's contact)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers

from citystat.api.rest.views import PlanApiView, optional_int
from citystat.engagement.models import Update
from citystat.engagement.queries import published_updates
from citystat.meetings.models import FollowUp, Meeting
from citystat.meetings.queries import public_meetings


class PublicMeasureField(serializers.SlugRelatedField):
    """A measure's slug, or null for an internal one: the API never names those."""

    def __init__(self) -> None:
        super().__init__(slug_field="slug", read_only=True, allow_null=True)

    def to_representation(self, value: Any) -> Any:
        return super().to_representation(value) if value.is_public else None


class MeetingSerializer(serializers.ModelSerializer):
    series = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "title",
            "series",
            "starts_at",
            "ends_at",
            "time_zone",
            "status",
            "priority_area",
            "location",
            "livestream_url",
            "recording_url",
            "minutes",
            "cancellation_note",
            "url",
        ]
        read_only_fields = fields


class FollowUpSerializer(serializers.ModelSerializer):
    department = serializers.SlugRelatedField(slug_field="code", read_only=True)
    measure = PublicMeasureField()

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "meeting",
            "text",
            "department",
            "due_on",
            "goal",
            "measure",
            "status",
            "drop_reason",
            "closed_on",
        ]
        read_only_fields = fields


class UpdateAreaSerializer(serializers.Serializer):
    kind = serializers.CharField()
    name = serializers.CharField()


class UpdateSerializer(serializers.ModelSerializer):
    measure = PublicMeasureField()
    url = serializers.CharField(source="get_absolute_url", read_only=True)
    areas = UpdateAreaSerializer(many=True, read_only=True)

    class Meta:
        model = Update
        fields = ["slug", "title", "body", "published_at", "measure", "goal", "areas", "url"]
        read_only_fields = fields


@extend_schema(
    tags=["meetings"],
    parameters=[
        OpenApiParameter("priority_area", int, description="Only this priority area (its id)."),
        OpenApiParameter("upcoming", bool, description="Only meetings that have not ended."),
    ],
)
class MeetingViews(PlanApiView, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    serializer_class = MeetingSerializer

    def get_queryset(self) -> QuerySet[Meeting]:
        meetings = public_meetings().order_by("starts_at", "pk")
        area = optional_int(self.request, "priority_area")
        if area is not None:
            meetings = meetings.filter(priority_area_id=area)
        if self.request.query_params.get("upcoming") in ("1", "true"):
            meetings = meetings.filter(ends_at__gt=timezone.now())
        return meetings

    def last_modified(self) -> Any:
        newest = self.get_queryset().order_by("-updated_at").first()
        return newest.updated_at if newest else None


@extend_schema(
    tags=["meetings"],
    parameters=[
        OpenApiParameter("meeting", int, description="Only this meeting's (its id)."),
        OpenApiParameter("department", str, description="Only this department's (its code)."),
        OpenApiParameter(
            "status",
            str,
            enum=[choice.value for choice in FollowUp.Status],
            description="Only these.",
        ),
    ],
)
class FollowUpViews(PlanApiView, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    serializer_class = FollowUpSerializer

    def get_queryset(self) -> QuerySet[FollowUp]:
        follow_ups = FollowUp.objects.select_related("department", "measure").order_by(
            "due_on", "pk"
        )
        meeting = optional_int(self.request, "meeting")
        if meeting is not None:
            follow_ups = follow_ups.filter(meeting_id=meeting)
        params = self.request.query_params
        if params.get("department"):
            follow_ups = follow_ups.filter(department__code=params["department"])
        if params.get("status"):
            follow_ups = follow_ups.filter(status=params["status"])
        return follow_ups


@extend_schema(
    tags=["updates"],
    parameters=[OpenApiParameter("measure", str, description="Only updates about this measure.")],
)
class UpdateViews(PlanApiView, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    serializer_class = UpdateSerializer
    lookup_field = "slug"

    def get_queryset(self) -> QuerySet[Update]:
        updates = published_updates().select_related("measure").prefetch_related("areas")
        if self.request.query_params.get("measure"):
            updates = updates.filter(measure__slug=self.request.query_params["measure"])
        return updates.order_by("-published_at", "pk")
