from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from citystat.plan.models import (
    Goal,
    Measure,
    MeasureValue,
    Narrative,
    Objective,
    Plan,
    PriorityArea,
    Strategy,
    Target,
)


class TargetInline(admin.TabularInline):
    model = Target
    extra = 0


@admin.register(Plan)
class PlanAdmin(SimpleHistoryAdmin):
    list_display = ["title", "first_fiscal_year", "last_fiscal_year", "is_current"]


@admin.register(PriorityArea)
class PriorityAreaAdmin(SimpleHistoryAdmin):
    list_display = ["title", "plan", "position"]
    list_filter = ["plan"]


@admin.register(Goal)
class GoalAdmin(SimpleHistoryAdmin):
    list_display = ["title", "priority_area", "position"]
    list_filter = ["priority_area"]
    search_fields = ["title"]


@admin.register(Objective)
class ObjectiveAdmin(SimpleHistoryAdmin):
    list_display = ["title", "goal", "position"]
    search_fields = ["title"]


@admin.register(Measure)
class MeasureAdmin(SimpleHistoryAdmin):
    list_display = ["title", "department", "unit", "direction", "frequency", "is_public"]
    list_filter = ["department", "unit", "frequency", "is_public", "is_headline"]
    search_fields = ["title", "slug", "definition"]


@admin.register(Target)
class TargetAdmin(SimpleHistoryAdmin):
    # Targets are edited one at a time here so that each change asks for its reason
    # (the history form's change reason), never silently in an inline.
    list_display = ["measure", "fiscal_year", "value", "tolerance", "style"]
    list_filter = ["fiscal_year"]
    search_fields = ["measure__slug", "measure__title"]


@admin.register(MeasureValue)
class MeasureValueAdmin(admin.ModelAdmin):
    list_display = ["measure", "period", "breakdown", "breakdown_value", "value", "origin"]
    list_filter = ["origin", "breakdown"]
    search_fields = ["measure__slug"]


@admin.register(Narrative)
class NarrativeAdmin(SimpleHistoryAdmin):
    list_display = ["measure", "period", "updated_at"]
    search_fields = ["measure__slug", "context"]


@admin.register(Strategy)
class StrategyAdmin(SimpleHistoryAdmin):
    list_display = ["title", "goal", "progress", "department"]
    list_filter = ["progress"]
