from django.contrib import admin

from citystat.plan.models import Goal, Measure, Objective, Plan, PriorityArea, Target


class TargetInline(admin.TabularInline):
    model = Target
    extra = 0


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["title", "first_fiscal_year", "last_fiscal_year", "is_current"]


@admin.register(PriorityArea)
class PriorityAreaAdmin(admin.ModelAdmin):
    list_display = ["title", "plan", "position"]
    list_filter = ["plan"]


@admin.register(Goal)
class GoalAdmin(admin.ModelAdmin):
    list_display = ["title", "priority_area", "position"]
    list_filter = ["priority_area"]
    search_fields = ["title"]


@admin.register(Objective)
class ObjectiveAdmin(admin.ModelAdmin):
    list_display = ["title", "goal", "position"]
    search_fields = ["title"]


@admin.register(Measure)
class MeasureAdmin(admin.ModelAdmin):
    list_display = ["title", "department", "unit", "direction", "frequency", "is_public"]
    list_filter = ["department", "unit", "frequency", "is_public", "is_headline"]
    search_fields = ["title", "slug", "definition"]
    inlines = [TargetInline]
