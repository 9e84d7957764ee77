"""The audit log for administrators: search, and export as CSV."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import render

from citystat.accounts.audit import canonical
from citystat.accounts.decorators import staff_required
from citystat.accounts.forms import AuditSearchForm
from citystat.accounts.models import AuditEntry
from citystat.lib.csv_safety import escape_formula

CSV_COLUMNS = [
    "sequence", "at", "action", "user_id", "username", "ip",
    "object_type", "object_id", "object_repr", "changes", "previous_hash", "hash",
]  # fmt: skip


def search(params: Any) -> tuple[AuditSearchForm, QuerySet[AuditEntry]]:
    form = AuditSearchForm(params)
    entries = AuditEntry.objects.all()
    if form.is_valid():
        text = form.cleaned_data["q"].strip()
        if text:
            entries = entries.filter(
                Q(username__icontains=text)
                | Q(object_repr__icontains=text)
                | Q(object_type__icontains=text)
                | Q(object_id=text)
                | Q(ip__startswith=text)
            )
        if form.cleaned_data["action"]:
            entries = entries.filter(action=form.cleaned_data["action"])
    return form, entries


@staff_required("accounts.view_auditentry")
def audit_log(request: HttpRequest) -> HttpResponse:
    form, entries = search(request.GET)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render(request, "staff/audit_log.html", context)


class Echo:
    def write(self, value: str) -> str:
        return value


def csv_rows(entries: QuerySet[AuditEntry]) -> Iterator[str]:
    writer = csv.writer(Echo())
    yield writer.writerow(CSV_COLUMNS)
    for entry in entries.order_by("sequence").iterator(chunk_size=2000):
        row = [getattr(entry, column) for column in CSV_COLUMNS]
        row[1] = entry.at.isoformat()
        row[9] = canonical(entry.changes)
        # Every audit cell is escaped as text: usernames and object names are typed by
        # people, and the numbers here (sequence, ids) never start with a sign.
        yield writer.writerow([escape_formula("" if v is None else str(v)) for v in row])


@staff_required("accounts.export_auditentry")
def audit_export(request: HttpRequest) -> HttpResponseBase:
    _, entries = search(request.GET)
    response = StreamingHttpResponse(csv_rows(entries), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="citystat-audit-log.csv"'
    return response
