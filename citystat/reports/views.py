"""Council export pages: the staff page that makes any export, and public downloads."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from citystat.accounts.decorators import staff_required
from citystat.reports.content import ReportError
from citystat.reports.exports import Export, make_export
from citystat.reports.scopes import export_scopes, fiscal_years


def download(export: Export) -> HttpResponse:
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    # An empty scope still downloads (the file says so); the header lets scripts tell.
    response["X-Export-Empty"] = "true" if export.is_empty else "false"
    return response


@require_safe
def public_export(request: HttpRequest, kind: str, slug: str, fmt: str) -> HttpResponse:
    """Download the public export of the plan, a priority area or a goal."""
    try:
        export = make_export(
            kind,
            slug,
            fmt,
            period=request.GET.get("period"),
            language=request.GET.get("lang"),
        )
    except ReportError as error:
        return render(request, "reports/not_made.html", {"reason": str(error)}, status=404)
    return download(export)


def staff_page_context(request: HttpRequest, error: str = "") -> dict[str, object]:
    scopes = export_scopes()
    return {
        "scopes": scopes,
        "empty_scopes": [scope for scope in scopes if not scope.public and not scope.internal],
        "years": fiscal_years(),
        "languages": settings.LANGUAGES,
        "chosen": request.GET,
        "error": error,
    }


@staff_required("plan.view_measure")
@require_safe
def staff_reports(request: HttpRequest) -> HttpResponse:
    """Show the export form: scope, fiscal year, language, internal measures, format."""
    return render(request, "reports/staff_reports.html", staff_page_context(request))


@staff_required("plan.view_measure")
@require_safe
def staff_report_download(request: HttpRequest) -> HttpResponse:
    """Download a staff export; a bad choice shows the form again with what is wrong."""
    if not request.GET:
        # Nothing asked yet (a bookmark, or the address typed): the form, not an error.
        return render(request, "reports/staff_reports.html", staff_page_context(request))
    kind, _, slug = request.GET.get("scope", "").partition("/")
    if not kind or not slug:
        error = "Choose what to export: the plan, a priority area or a goal."
        context = staff_page_context(request, error)
        return render(request, "reports/staff_reports.html", context, status=400)
    try:
        export = make_export(
            kind,
            slug,
            request.GET.get("format", ""),
            period=request.GET.get("period"),
            language=request.GET.get("lang"),
            audience="staff",
            include_internal=request.GET.get("internal") == "on",
        )
    except ReportError as error:
        context = staff_page_context(request, str(error))
        return render(request, "reports/staff_reports.html", context, status=400)
    return download(export)
