from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from citystat.plan.models import (
    JUDGED_FIELDS,
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


# ModelAdmin, its inlines and ModelForm take their model as a type argument only in the
# stubs: Django's classes cannot be subscripted at run time (see catalog/admin.py).
class TargetInline(admin.TabularInline):  # type: ignore[type-arg]
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


class MeasureAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Measure
        fields = [
            "objective",
            "slug",
            "title",
            "definition",
            "unit",
            "direction",
            "frequency",
            "department",
            "dataset",
            "owner_name",
            "spec",
            "data_source",
            "baseline_value",
            "baseline_label",
            "is_public",
            "is_headline",
            "position",
        ]

    def clean(self) -> dict[str, Any]:
        """Refuse a public measure whose spec reads a withheld column (Measure.save would)."""
        cleaned = super().clean() or {}
        spec, slug = cleaned.get("spec"), cleaned.get("slug") or self.instance.slug
        if cleaned.get("is_public") and spec:
            # Imported here: the spec compiler loads Ibis, which Django's admin discovery
            # would otherwise load for every command (#23).
            from citystat.plan.compute.spec import withheld_problems  # noqa: PLC0415

            candidate = Measure(pk=self.instance.pk, slug=slug, spec=spec)
            for problem in withheld_problems(slug, spec, *candidate.spec_context()):
                self.add_error("is_public" if "is_public" in self.changed_data else "spec", problem)
        return cleaned


@admin.register(Measure)
class MeasureAdmin(SimpleHistoryAdmin):
    form = MeasureAdminForm
    list_display = ["title", "department", "unit", "direction", "frequency", "is_public"]
    list_filter = ["department", "unit", "frequency", "is_public", "is_headline"]
    search_fields = ["title", "slug", "definition"]


class TargetAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    reason = forms.CharField(
        max_length=300,
        required=False,
        help_text="Why the target moves; shown to residents with the target's history.",
    )

    class Meta:
        model = Target
        fields = ["measure", "fiscal_year", "value", "style", "tolerance", "off_track_at", "note"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        moved = self.instance.pk and any(name in self.changed_data for name in JUDGED_FIELDS)
        if moved and not cleaned.get("reason", "").strip():
            self.add_error(
                "reason", "Say why the target moves; the reason is shown with its history."
            )
        return cleaned


@admin.register(Target)
class TargetAdmin(SimpleHistoryAdmin):
    # Targets are edited one at a time here so that each change asks for its reason,
    # never silently in an inline.
    form = TargetAdminForm

    def save_model(
        self, request: HttpRequest, obj: Target, form: TargetAdminForm, change: bool
    ) -> None:
        # simple_history keeps this undeclared attribute as the history row's reason.
        obj._change_reason = form.cleaned_data.get("reason", "").strip()  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)

    list_display = ["measure", "fiscal_year", "value", "tolerance", "style"]
    list_filter = ["fiscal_year"]
    search_fields = ["measure__slug", "measure__title"]


@admin.register(MeasureValue)
class MeasureValueAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
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
