"""Staff pages of bulk work: one change to many measures, and typed-in values of many
measures from one CSV file (docs/plan.md, "Bulk work")."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from citystat.accounts.decorators import staff_required
from citystat.plan import bulk
from citystat.plan.forms import BulkChangeForm, ValuesTableForm
from citystat.plan.manual import ManualValueError, import_values_table
from citystat.plan.views import render_measure_list


@require_POST
@staff_required("plan.change_measure")
def bulk_change(request: HttpRequest) -> HttpResponse:
    """Apply one change to the selected measures, or show the list again saying why not."""
    selected = request.POST.getlist("measures")
    form = BulkChangeForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        change = bulk.BulkChange(data["field"], form.value(), data["reason"])
        try:
            changed = bulk.bulk_change(request.user, selected, change)
        except bulk.BulkRefused as refused:
            for problem in refused.problems:
                form.add_error(None, problem)
        else:
            messages.success(
                request,
                ngettext(
                    "Changed %(field)s of %(count)d measure: %(names)s.",
                    "Changed %(field)s of %(count)d measures: %(names)s.",
                    len(changed),
                )
                % {
                    "field": str(dict(form.fields["field"].choices)[data["field"]]).lower(),  # type: ignore[attr-defined]
                    "count": len(changed),
                    "names": ", ".join(m.title for m in changed),
                },
            )
            return redirect("staff-measures")
    return render_measure_list(request, form, selected, status=400)


@staff_required("plan.add_measurevalue")
def values_upload(request: HttpRequest) -> HttpResponse:
    """Store typed-in values of many measures from one CSV, all or nothing."""
    form = ValuesTableForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    imported = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            problems = [_("%(name)s is not UTF-8 text.") % {"name": upload.name}]
        else:
            try:
                imported = import_values_table(
                    text,
                    form.cleaned_data["source_note"].strip(),
                    may_enter=lambda m: request.user.has_perm("plan.add_measurevalue", m),
                )
            except ManualValueError as error:
                problems = error.problems
    context = {"form": form, "problems": problems, "imported": imported}
    refused = bool(problems) or (form.is_bound and bool(form.errors))
    return render(request, "plan/staff/values_upload.html", context, status=400 if refused else 200)
