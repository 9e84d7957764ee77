"""What the REST API shows of the plan: public fields only, never a person's name or email."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from citystat.plan.models import Goal, Measure, MeasureValue, Narrative, PriorityArea, Target
from citystat.plan.status import status_for
from citystat.plan.value_records import PUBLISHED_FIELDS


class GoalBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Goal
        fields = ["id", "slug", "title"]


class PriorityAreaSerializer(serializers.ModelSerializer):
    plan = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)
    goals = GoalBriefSerializer(many=True, read_only=True)

    class Meta:
        model = PriorityArea
        fields = ["id", "plan", "slug", "title", "summary", "position", "url", "goals"]


class GoalSerializer(serializers.ModelSerializer):
    url = serializers.CharField(source="get_absolute_url", read_only=True)
    measures = serializers.SerializerMethodField()

    class Meta:
        model = Goal
        fields = ["id", "priority_area", "slug", "title", "summary", "position", "url", "measures"]

    def get_measures(self, goal: Goal) -> list[str]:
        """The slugs of the goal's public measures."""
        return list(
            Measure.objects.filter(objective__goal=goal, is_public=True).values_list(
                "slug", flat=True
            )
        )


class TargetSerializer(serializers.ModelSerializer):
    change_reason = serializers.CharField(
        write_only=True,
        required=False,
        max_length=300,
        help_text="Why an existing target changes; required to change one (shown in its history).",
    )

    class Meta:
        model = Target
        fields = [
            "fiscal_year",
            "value",
            "style",
            "tolerance",
            "off_track_at",
            "note",
            "change_reason",
        ]


class ValueSerializer(serializers.ModelSerializer):
    class Meta:
        model = MeasureValue
        fields = list(PUBLISHED_FIELDS)
        read_only_fields = fields


class ValueEntrySerializer(serializers.Serializer):
    period = serializers.CharField(
        max_length=10, help_text="2025-03-04, 2025-W10, 2025-03, 2025-Q1, FY2025 or 2025."
    )
    value = serializers.FloatField()
    source_note = serializers.CharField(max_length=300, help_text="Where the value comes from.")


class ValueUploadSerializer(serializers.Serializer):
    values = ValueEntrySerializer(many=True, allow_empty=False, max_length=5000)


class NarrativeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Narrative
        fields = ["period", "context", "actions", "next_steps", "state", "updated_at"]
        # Written narratives are drafts; only the performance office approves (#19).
        read_only_fields = ["period", "state", "updated_at"]


class StatusSerializer(serializers.Serializer):
    status = serializers.CharField()
    period = serializers.CharField(allow_null=True)
    value = serializers.FloatField(allow_null=True)
    target = serializers.FloatField(allow_null=True)
    as_of = serializers.CharField(
        allow_null=True,
        help_text="The period the status is judged on when it is not the current one "
        "(historic data, or the plan's as_of day); null otherwise.",
    )


class MeasureSerializer(serializers.ModelSerializer):
    department = serializers.SlugRelatedField(slug_field="code", read_only=True)
    goal = serializers.IntegerField(source="objective.goal_id", read_only=True)
    priority_area = serializers.IntegerField(
        source="objective.goal.priority_area_id", read_only=True
    )
    url = serializers.CharField(source="get_absolute_url", read_only=True)
    is_manual = serializers.BooleanField(read_only=True)
    status = serializers.SerializerMethodField()

    class Meta:
        model = Measure
        fields = [
            "slug",
            "title",
            "definition",
            "unit",
            "direction",
            "frequency",
            "department",
            "goal",
            "priority_area",
            "data_source",
            "baseline_value",
            "baseline_label",
            "is_headline",
            "is_manual",
            "url",
            "status",
        ]
        read_only_fields = fields

    @extend_schema_field(StatusSerializer)
    def get_status(self, measure: Measure) -> dict[str, Any]:
        """The measure's status on its latest complete value."""
        judged = status_for(measure)
        return {
            "status": str(judged.status),
            "period": judged.value.period if judged.value else None,
            "value": judged.value.value if judged.value else None,
            "target": judged.target.value if judged.target else None,
            "as_of": judged.value.period if judged.historic and judged.value else None,
        }


class MeasureDetailSerializer(MeasureSerializer):
    targets = TargetSerializer(many=True, read_only=True)
    latest_narrative = serializers.SerializerMethodField()

    class Meta(MeasureSerializer.Meta):
        fields = [*MeasureSerializer.Meta.fields, "targets", "latest_narrative"]
        read_only_fields = fields

    @extend_schema_field(NarrativeSerializer(allow_null=True))
    def get_latest_narrative(self, measure: Measure) -> dict[str, Any] | None:
        narrative = measure.narratives.approved().order_by("-period").first()
        return NarrativeSerializer(narrative).data if narrative else None
