"""Staff pages of the plan editor and the measure builder (docs/plan.md, "The plan editor")."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from citystat.accounts.decorators import staff_required
from citystat.plan import editor
from citystat.plan.builder import Preview, add_condition, distinct_values, preview, spec_from_picks
from citystat.plan.charts import measure_chart
from citystat.plan.compute.run import compute_measures
from citystat.plan.editor_forms import (
    AreaForm,
    BuilderForm,
    EditForm,
    GoalForm,
    MeasureForm,
    ObjectiveForm,
    StrategyForm,
    measure_initial,
)
from citystat.plan.language_fields import translation_initial
from citystat.plan.models import (
    Goal,
    Measure,
    MeasureValue,
    Objective,
    Plan,
    PriorityArea,
    Strategy,
)

EDITOR_HOME = "staff-plan"


def current_plan() -> Plan:
    plan = Plan.current()
    if plan is None:
        raise Http404("There is no current plan yet: import one with citystat plan import.")
    return plan


@staff_required("plan.view_plan")
def plan_editor(request: HttpRequest) -> HttpResponse:
    plan = Plan.current()
    areas = (
        plan.priority_areas.prefetch_related(
            "goals__objectives__measures__department", "goals__strategies"
        )
        if plan
        else []
    )
    return render(request, "plan/staff/editor/plan.html", {"plan": plan, "areas": areas})


def rebound(form: EditForm, element: models.Model, **kwargs: Any) -> EditForm:
    """Return the form with what the person typed and the element's newest version."""
    data = cast(QueryDict, form.data).copy()
    data["version"] = editor.version_of(element)
    fresh = type(form)(data, **kwargs)
    fresh.is_valid()
    return fresh


def save_edit(
    request: HttpRequest,
    form: EditForm,
    save: Callable[[], Any],
    element: models.Model | None = None,
    **form_kwargs: Any,
) -> EditForm | None:
    """Run `save`; on a refusal return the form with every problem beside its field."""
    try:
        save()
    except editor.StaleEdit as stale:
        assert element is not None
        form = rebound(form, element, **form_kwargs)
        form.add_error(
            None,
            _(
                "Someone saved this after you opened it, so nothing was saved: %(changes)s. "
                "What you typed is kept below; save again to replace their changes."
            )
            % {"changes": "; ".join(stale.changes)},
        )
        return form
    except editor.EditRefused as refused:
        for problem in form.add_document_errors(refused.fields) + refused.general:
            form.add_error(None, problem)
        return form
    messages.success(request, _("Saved. The change is in the plan's history."))
    return None


def element_page(
    request: HttpRequest,
    form_class: type[EditForm],
    *,
    heading: str,
    initial: dict[str, Any],
    save: Callable[[EditForm], Any],
    element: models.Model | None = None,
    **form_kwargs: Any,
) -> HttpResponse:
    """Show an element's form; on POST save it as a plan import would, or say why not."""
    if element is not None:
        initial = {
            **initial,
            **translation_initial(element),
            "version": editor.version_of(element),
        }
    form = form_class(request.POST or None, initial=initial, **form_kwargs)
    if request.method == "POST" and form.is_valid():
        refused = save_edit(request, form, lambda: save(form), element, **form_kwargs)
        if refused is None:
            return redirect(EDITOR_HOME)
        form = refused
    context = {"form": form, "heading": heading, "element": element}
    return render(request, "plan/staff/editor/element.html", context, status=status_of(form))


def status_of(form: forms.Form) -> int:
    return 400 if form.is_bound and form.errors else 200


def edit_fields(element: editor.Element) -> Callable[[EditForm], Any]:
    return lambda form: editor.edit(
        element, form.document_changes(), form.cleaned_data["reason"], form.cleaned_data["version"]
    )


def add_fields(parent: Plan | editor.Element, key: str) -> Callable[[EditForm], Any]:
    return lambda form: editor.add(
        parent, key, form.document_changes(), form.cleaned_data["reason"]
    )


@staff_required("plan.add_priorityarea")
def area_new(request: HttpRequest) -> HttpResponse:
    plan = current_plan()
    return element_page(
        request,
        AreaForm,
        heading=_("New priority area"),
        initial={},
        save=add_fields(plan, "priority_areas"),
    )


@staff_required("plan.change_priorityarea")
def area_edit(request: HttpRequest, pk: int) -> HttpResponse:
    area = get_object_or_404(PriorityArea, pk=pk)
    return element_page(
        request,
        AreaForm,
        heading=area.title,
        initial={"title": area.title, "summary": area.summary},
        save=edit_fields(area),
        element=area,
    )


def goal_of(request: HttpRequest, area: str, goal: str) -> Goal:
    return get_object_or_404(
        Goal, priority_area__slug=area, slug=goal, priority_area__plan__is_current=True
    )


@staff_required("plan.add_goal")
def goal_new(request: HttpRequest, pk: int) -> HttpResponse:
    area = get_object_or_404(PriorityArea, pk=pk)
    return element_page(
        request,
        GoalForm,
        heading=_("New goal in %(area)s") % {"area": area.title},
        initial={},
        save=add_fields(area, "goals"),
    )


@staff_required("plan.change_goal", scoped=goal_of)
def goal_edit(request: HttpRequest, area: str, goal: str) -> HttpResponse:
    row = goal_of(request, area, goal)
    return element_page(
        request,
        GoalForm,
        heading=row.title,
        initial={"title": row.title, "summary": row.summary},
        save=edit_fields(row),
        element=row,
    )


@staff_required("plan.add_objective")
def objective_new(request: HttpRequest, area: str, goal: str) -> HttpResponse:
    row = goal_of(request, area, goal)
    return element_page(
        request,
        ObjectiveForm,
        heading=_("New objective of %(goal)s") % {"goal": row.title},
        initial={},
        save=add_fields(row, "objectives"),
    )


@staff_required("plan.change_objective")
def objective_edit(request: HttpRequest, pk: int) -> HttpResponse:
    objective = get_object_or_404(Objective, pk=pk)
    return element_page(
        request,
        ObjectiveForm,
        heading=objective.title,
        initial={"title": objective.title},
        save=edit_fields(objective),
        element=objective,
    )


def measure_choices(plan: Plan) -> list[tuple[str, str]]:
    rows = Measure.objects.filter(objective__goal__priority_area__plan=plan)
    return [(slug, title) for slug, title in rows.values_list("slug", "title")]


@staff_required("plan.add_strategy", scoped=goal_of)
def strategy_new(request: HttpRequest, area: str, goal: str) -> HttpResponse:
    row = goal_of(request, area, goal)
    return element_page(
        request,
        StrategyForm,
        heading=_("New strategy for %(goal)s") % {"goal": row.title},
        initial={"progress": Strategy.Progress.PLANNED},
        save=add_fields(row, "strategies"),
        measures=measure_choices(row.priority_area.plan),
    )


def strategy_of(request: HttpRequest, pk: int) -> Strategy:
    return get_object_or_404(Strategy, pk=pk)


@staff_required("plan.change_strategy", scoped=strategy_of)
def strategy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    strategy = strategy_of(request, pk)
    initial = {
        "title": strategy.title,
        "description": strategy.description,
        "progress": strategy.progress,
        "department": strategy.department.name if strategy.department else "",
        "measures": list(strategy.measures.values_list("slug", flat=True)),
    }
    return element_page(
        request,
        StrategyForm,
        heading=strategy.title,
        initial=initial,
        save=edit_fields(strategy),
        element=strategy,
        measures=measure_choices(editor.plan_of(strategy)),
    )


# The measure builder ------------------------------------------------------------------


def builder_form(data: Any, initial: dict[str, Any] | None = None) -> BuilderForm:
    """Return the builder bound to `data`, with a pressed "add to the filter" applied and
    the real values of the field the filter picker names offered."""
    if data is not None and data.get("add_condition"):
        data = data.copy()
        name, value = data.get("filter_field", ""), data.get("filter_value", "")
        if name and value:
            data["filter"] = add_condition(
                data.get("filter", ""), name, data.get("filter_operator") or "=", value
            )
            data["filter_value"] = ""
    probe = BuilderForm(data, initial=initial or {})
    name = (probe.data if probe.is_bound else probe.initial).get("filter_field") or ""
    values = distinct_values(probe.chosen_dataset, name) if probe.chosen_dataset and name else []
    return BuilderForm(data, initial=initial or {}, values=values)


def builder_preview(
    builder: BuilderForm, measure: Measure, is_public: bool
) -> tuple[Preview, dict[str, Any] | None]:
    """Return the preview of the builder's spec, with its problems put beside the pickers."""
    spec = spec_from_picks(builder.picks(), measure.spec)
    result = preview(spec, measure.slug or "new-measure", is_public)
    for picker, problems in result.problems.items():
        for problem in problems:
            builder.add_error(picker if picker in builder.fields else None, problem)
    for problem in result.general:
        builder.add_error(None, problem)
    chart = None
    if result.is_valid:
        shown = Measure(
            pk=measure.pk,
            title=measure.title,
            unit=measure.unit,
            frequency=measure.frequency,
            spec=spec,
        )
        chart = measure_chart(shown, values=preview_values(result))
    return result, chart


def preview_values(result: Preview) -> list[MeasureValue]:
    return [
        MeasureValue(
            period=value.period.label,
            period_start=value.period.start,
            period_end=value.period.end,
            value=value.value,
            is_partial=value.is_partial,
        )
        for value in result.overall
    ]


def spec_picks(spec: dict[str, Any]) -> dict[str, Any]:
    return {
        key: spec.get(key, "")
        for key in (
            "dataset",
            "date",
            "filter",
            "aggregate",
            "field",
            "percentile",
            "condition",
            "closed",
            "grain",
            "cumulative",
            "breakdowns",
        )
    }


@require_POST
@staff_required("plan.change_measure")
def builder(request: HttpRequest) -> HttpResponse:
    """Answer the builder's htmx request with its pickers and live preview."""
    form = builder_form(request.POST)
    measure = Measure.objects.filter(slug=request.POST.get("measure_slug", "")).first()
    if measure is not None and not request.user.has_perm("plan.change_measure", measure):
        raise Http404("no such measure")
    shown = measure or Measure(
        title=request.POST.get("title", ""), unit=request.POST.get("unit") or "count"
    )
    result, chart = builder_preview(form, shown, bool(request.POST.get("public")))
    context = {
        "builder": form,
        "preview": result,
        "chart": chart,
        "chart_json": json.dumps(chart),
        "unit": shown.unit,
    }
    return render(request, "plan/staff/editor/_builder.html", context)


def measure_page(
    request: HttpRequest, measure: Measure, *, creating: bool, parent: Objective | None = None
) -> HttpResponse:
    initial = measure_initial(measure) if not creating else {"public": True, "unit": "count"}
    if not creating:
        initial["version"] = editor.version_of(measure)
    form = MeasureForm(request.POST or None, initial=initial, creating=creating)
    builder_initial = spec_picks(measure.spec) if measure.spec else {"grain": "month"}
    builder = builder_form(request.POST or None, builder_initial)
    result, chart = builder_preview(
        builder, measure, bool(request.POST.get("public")) if request.POST else measure.is_public
    )
    saving = request.method == "POST" and not request.POST.get("add_condition")
    if saving and form.is_valid() and not builder.errors:
        spec = spec_from_picks(builder.picks(), measure.spec)
        changes = {**form.document_changes(), "spec": spec or None}
        reason, version = form.cleaned_data["reason"], form.cleaned_data["version"]
        if creating:
            assert parent is not None
            save = lambda: editor.add(parent, "measures", changes, reason)  # noqa: E731
        else:
            save = lambda: editor.edit(measure, changes, reason, version)  # noqa: E731
        refused = save_edit(request, form, save, None if creating else measure, creating=creating)
        if refused is None:
            if spec:
                compute_saved(request, spec_slug(form, measure))
            return redirect(EDITOR_HOME)
        form = cast(MeasureForm, refused)
    context = {
        "form": form,
        "builder": builder,
        "preview": result,
        "chart": chart,
        "chart_json": json.dumps(chart),
        # The preview's values in the unit being chosen (the builder has no unit picker).
        "unit": request.POST.get("unit") or measure.unit or "count",
        "measure": measure,
        "creating": creating,
        "builder_url": reverse("staff-plan-builder"),
    }
    bad = request.method == "POST" and (form.errors or builder.errors)
    return render(request, "plan/staff/editor/measure.html", context, status=400 if bad else 200)


def spec_slug(form: MeasureForm, measure: Measure) -> str:
    return measure.slug or form.cleaned_data.get("slug") or slugify(form.cleaned_data["title"])[:80]


def compute_saved(request: HttpRequest, slug: str) -> None:
    """Compute the saved measure's values now, so its pages show what the preview showed."""
    report = compute_measures(Measure.objects.filter(slug=slug))
    for why in report.failed.values():
        messages.error(
            request, _("Saved, but its values could not be computed: %(why)s") % {"why": why}
        )


@staff_required("plan.add_measure")
def measure_new(request: HttpRequest, pk: int) -> HttpResponse:
    objective = get_object_or_404(Objective, pk=pk)
    measure = Measure(objective=objective, unit="count", frequency="month")
    return measure_page(request, measure, creating=True, parent=objective)


def measure_of(request: HttpRequest, slug: str) -> Measure:
    return get_object_or_404(Measure, slug=slug)


@staff_required("plan.change_measure", scoped=measure_of)
def measure_edit(request: HttpRequest, slug: str) -> HttpResponse:
    return measure_page(request, measure_of(request, slug), creating=False)


# Reordering and retiring, for every kind of element -----------------------------------

KINDS: dict[str, type[models.Model]] = {
    "area": PriorityArea,
    "goal": Goal,
    "objective": Objective,
    "strategy": Strategy,
    "measure": Measure,
}


def mover(model: type[models.Model]) -> Callable[..., HttpResponseBase]:
    def element_of(request: HttpRequest, pk: int) -> models.Model:
        return get_object_or_404(model, pk=pk)

    # Those who may add an element to a level may reorder it (a department editor only
    # their departments' strategies).
    @require_POST
    @staff_required(f"plan.add_{model._meta.model_name}", scoped=element_of)
    def move(request: HttpRequest, pk: int) -> HttpResponse:
        element = element_of(request, pk)
        step = -1 if request.POST.get("direction") == "up" else 1
        try:
            editor.move(element, step, "reordered in the plan editor")  # type: ignore[arg-type]
        except editor.EditRefused as refused:
            for problem in refused.general:
                messages.error(request, problem)
        return redirect(EDITOR_HOME)

    return move


def retirer(model: type[models.Model]) -> Callable[..., HttpResponseBase]:
    @staff_required(f"plan.delete_{model._meta.model_name}")
    def retire(request: HttpRequest, pk: int) -> HttpResponse:
        element = get_object_or_404(model, pk=pk)
        form = EditForm(request.POST or None, initial={"version": editor.version_of(element)})
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                editor.retire(element, data["reason"], data["version"])  # type: ignore[arg-type]
            except (editor.StaleEdit, editor.EditRefused) as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Retired %(element)s.") % {"element": element})
                return redirect(EDITOR_HOME)
        context = {"form": form, "element": element}
        return render(request, "plan/staff/editor/retire.html", context, status=status_of(form))

    return retire
