"""Staff pages for measures: values, narratives and targets (docs/plan.md, Staff pages)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from citystat.accounts.decorators import staff_required
from citystat.city.models import CityProfile
from citystat.plan.cycle import (
    DONE,
    DUE,
    DUE_AFTER_DAYS,
    IN_REVIEW,
    OVERDUE,
    RETURNED,
    completion_by_department,
    duties,
)
from citystat.plan.forms import (
    BulkChangeForm,
    NarrativeForm,
    TargetForm,
    ValueForm,
    ValuesUploadForm,
    target_form_for,
)
from citystat.plan.history import describe, target_history
from citystat.plan.manual import ManualValueError, enter_value, import_values_csv
from citystat.plan.models import Measure, Narrative, Target
from citystat.plan.outlook import outlook
from citystat.plan.reporting import measure_rows, value_rows
from citystat.plan.review import APPROVE, ReviewRefused, review
from citystat.plan.status import status_for
from citystat.plan.target_preview import target_effect

# The reporting page lists what needs action first.
DUTY_ORDER = {OVERDUE: 0, RETURNED: 1, DUE: 2, IN_REVIEW: 3, DONE: 4}


def form_problems(form: forms.BaseForm) -> list[str]:
    return [f"{field}: {' '.join(str(e) for e in errors)}" for field, errors in form.errors.items()]


def measure_of(request: HttpRequest, slug: str) -> Measure:
    return get_object_or_404(Measure, slug=slug)


@staff_required("plan.view_measure")
def measure_list(request: HttpRequest) -> HttpResponse:
    return render_measure_list(request, BulkChangeForm())


def render_measure_list(
    request: HttpRequest,
    bulk_form: BulkChangeForm,
    selected: Sequence[str] = (),
    status: int = 200,
) -> HttpResponse:
    """Render the measure list; a refused bulk change keeps its form and selection."""
    departments = dict(Measure.objects.values_list("slug", "department__name").order_by("slug"))
    rows = [
        {
            **row,
            "department": departments.get(row["slug"]) or "",
            "selected": row["slug"] in selected,
        }
        for row in measure_rows()
    ]
    context = {"rows": rows, "bulk_form": bulk_form}
    return render(request, "plan/staff/measure_list.html", context, status=status)


def render_detail(
    request: HttpRequest, measure: Measure, status: int = 200, **forms: Any
) -> HttpResponse:
    """Render the staff measure page; a form passed in (bound, with its errors) replaces
    the empty one, so what the person typed stays on the page."""
    year = CityProfile.current().fiscal_year_of(timezone.localdate())
    context = {
        "measure": measure,
        "status": status_for(measure),
        "outlook": outlook(measure),
        "values": value_rows(measure)[-24:][::-1],
        "target_changes": [describe(c, measure.unit) for c in target_history(measure)][::-1],
        "targets": measure.targets.all(),
        "narratives": measure.narratives.all()[:6],
        "value_form": ValueForm(),
        "upload_form": ValuesUploadForm(),
        "narrative_form": NarrativeForm(),
        "target_form": target_form_for(measure, year),
        **forms,
    }
    return render(request, "plan/staff/measure_detail.html", context, status=status)


@staff_required("plan.view_measure")
def measure_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return render_detail(request, measure_of(request, slug))


@require_POST
@staff_required("plan.add_measurevalue", scoped=measure_of)
def add_values(request: HttpRequest, slug: str) -> HttpResponse:
    measure = measure_of(request, slug)
    try:
        upload = request.FILES.get("file")
        if upload is not None:
            text = upload.read().decode("utf-8-sig", errors="replace")
            count = import_values_csv(measure, text)
            messages.success(request, f"Saved {count} values from the file.")
        else:
            form = ValueForm(request.POST)
            if not form.is_valid():
                raise ManualValueError(form_problems(form))
            data = form.cleaned_data
            enter_value(measure, data["period"], data["value"], data["source_note"])
            messages.success(request, f"Saved the value for {data['period']}.")
    except ManualValueError as error:
        for problem in error.problems:
            messages.error(request, problem)
    return redirect("staff-measure", slug=slug)


@require_POST
@staff_required("plan.add_narrative", scoped=measure_of)
def save_narrative(request: HttpRequest, slug: str) -> HttpResponse:
    measure = measure_of(request, slug)
    existing = Narrative.objects.filter(measure=measure, period=request.POST.get("period")).first()
    form = NarrativeForm(request.POST, instance=existing or Narrative(measure=measure))
    if form.is_valid():
        narrative = form.save(commit=False)
        narrative.translations = form.translations()
        narrative.author = request.user
        narrative.save()
        messages.success(
            request,
            f"Saved the narrative for {narrative.period} as a draft: it is public once the "
            "performance office approves it.",
        )
        return redirect("staff-measure", slug=slug)
    # Refused: the page again with everything typed and what is wrong beside its field.
    return render_detail(request, measure, status=400, narrative_form=form)


@require_POST
@staff_required("plan.change_target")
def save_target(request: HttpRequest, slug: str) -> HttpResponse:
    """Preview a target change (status per recent period, before → after), or save it.

    Refused input re-renders the page with everything typed and what is missing."""
    measure = measure_of(request, slug)
    year = request.POST.get("fiscal_year", "")
    existing = None
    if year.isdigit():
        existing = Target.objects.filter(measure=measure, fiscal_year=int(year)).first()
    form = TargetForm(request.POST, instance=existing or Target(measure=measure))
    if not form.is_valid():
        return render_detail(request, measure, status=400, target_form=form)
    target = form.save(commit=False)
    if request.POST.get("action") == "preview":
        return render_detail(
            request, measure, target_form=form, target_preview=target_effect(measure, target)
        )
    target._change_reason = form.cleaned_data["reason"]
    target.save()
    messages.success(request, f"Saved the FY{target.fiscal_year} target.")
    return redirect("staff-measure", slug=slug)


@require_POST
@staff_required("plan.approve_narrative")
def review_narrative(request: HttpRequest, slug: str, period: str) -> HttpResponse:
    """Approve a narrative (public from now on) or return it with comments."""
    measure = measure_of(request, slug)
    narrative = get_object_or_404(Narrative, measure=measure, period=period)
    decision = request.POST.get("decision", "")
    try:
        review(narrative, request.user, decision, request.POST.get("comment", ""))
    except ReviewRefused as refusal:
        messages.error(request, f"The {period} narrative was not reviewed: {refusal}")
    else:
        done = "approved; it is public now" if decision == APPROVE else "returned with comments"
        messages.success(request, f"The {period} narrative is {done}.")
    return redirect(reverse("staff-measure", args=[slug]) + "#narrative-heading")


@staff_required("plan.approve_narrative")
def reporting(request: HttpRequest) -> HttpResponse:
    """The performance office's view of the reporting cycle: completion by department,
    then every measure's duty for its latest complete period."""
    context = {
        "completion": completion_by_department(),
        "duties": sorted(duties(), key=lambda d: (DUTY_ORDER[d.state], d.measure.title)),
        "due_after": DUE_AFTER_DAYS,
    }
    return render(request, "plan/staff/reporting.html", context)
