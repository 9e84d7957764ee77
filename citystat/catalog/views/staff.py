"""Staff pages for data and IT staff: versions, load reports, upload, load now, rollback."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from citystat.catalog.forms import DatasetForm, NewDatasetForm, PublicityForm, UploadForm
from citystat.catalog.hooks import jobs_after
from citystat.catalog.inference import infer_schema
from citystat.catalog.ingest import IngestError, ingest
from citystat.catalog.models import Dataset
from citystat.catalog.publication import MAKE_PUBLIC, exposure_of, record_exposure_change
from citystat.catalog.sources import SourceError, check_stored_source
from citystat.catalog.summaries import all_summaries
from citystat.catalog.uploads import save_upload
from citystat.catalog.versions import VersionError, rollback

VIEW = "catalog.view_dataset"
CHANGE = "catalog.change_dataset"


@login_required
@permission_required(VIEW, raise_exception=True)
def dataset_list(request: HttpRequest) -> HttpResponse:
    return render(request, "catalog/staff/dataset_list.html", {"summaries": all_summaries()})


@login_required
@permission_required("catalog.add_dataset", raise_exception=True)
def new_dataset(request: HttpRequest) -> HttpResponse:
    form = NewDatasetForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        dataset = form.save(commit=False)
        path = save_upload(dataset.slug, form.cleaned_data["sample"])
        try:
            dataset.table_schema, dataset.column_map = infer_schema(path)
        except SourceError as error:
            form.add_error("sample", str(error))
        else:
            with transaction.atomic():
                dataset.save()
                after = exposure_of(dataset.is_public, dataset.table_schema)
                record_exposure_change(dataset, form.exposure_before, after)
            messages.success(request, "Drafted a schema from the sample: review it below.")
            return redirect("staff-dataset-edit", slug=dataset.slug)
        finally:
            path.unlink()  # a sample only drafts the schema; no version loads it
    return render(request, "catalog/staff/new.html", {"form": form})


@login_required
@permission_required(CHANGE, raise_exception=True)
def edit_dataset(request: HttpRequest, slug: str) -> HttpResponse:
    dataset = get_object_or_404(Dataset, slug=slug)
    form = DatasetForm(request.POST or None, instance=dataset, user=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            after = exposure_of(dataset.is_public, dataset.table_schema)
            record_exposure_change(dataset, form.exposure_before, after)
        messages.success(request, "Saved.")
        return redirect("staff-dataset", slug=dataset.slug)
    return render(request, "catalog/staff/edit.html", {"form": form, "dataset": dataset})


@login_required
@permission_required(MAKE_PUBLIC, raise_exception=True)
def dataset_publicity(request: HttpRequest, slug: str) -> HttpResponse:
    """Choose whether residents see the dataset, and which of its columns."""
    dataset = get_object_or_404(Dataset, slug=slug)
    form = PublicityForm(request.POST or None, dataset=dataset)
    if request.method == "POST" and form.is_valid():
        before = exposure_of(dataset.is_public, dataset.table_schema)
        with transaction.atomic():
            dataset.is_public = form.cleaned_data["is_public"]
            dataset.table_schema = form.schema_for(dataset)
            dataset.save(update_fields=["is_public", "table_schema", "updated_at"])
            record_exposure_change(
                dataset, before, exposure_of(dataset.is_public, dataset.table_schema)
            )
        messages.success(request, "Saved what the public sees.")
        return redirect("staff-dataset", slug=dataset.slug)
    status = 400 if form.errors else 200
    context = {"form": form, "dataset": dataset}
    return render(request, "catalog/staff/publicity.html", context, status=status)


@login_required
@permission_required(VIEW, raise_exception=True)
def dataset_detail(request: HttpRequest, slug: str) -> HttpResponse:
    dataset = get_object_or_404(Dataset, slug=slug)
    shown = list(dataset.versions.order_by("-number")[:30])
    # Each report says what ran after its publication: the measures recomputed or failed.
    jobs = jobs_after(shown[:5])
    for version in shown:
        version.after_jobs = jobs.get(version.pk, [])  # type: ignore[attr-defined]
    context = {
        "dataset": dataset,
        "versions": shown,
        "form": UploadForm(),
        "can_change": request.user.has_perm(CHANGE),
        "can_make_public": request.user.has_perm(MAKE_PUBLIC),
    }
    return render(request, "catalog/staff/dataset_detail.html", context)


@login_required
@permission_required(CHANGE, raise_exception=True)
def upload(request: HttpRequest, slug: str) -> HttpResponse:
    dataset = get_object_or_404(Dataset, slug=slug)
    form = UploadForm(request.POST or None, request.FILES or None)
    failure = None
    if request.method == "POST" and form.is_valid():
        paths = [save_upload(dataset.slug, upload) for upload in form.cleaned_data["file"]]
        try:
            version = ingest(
                dataset,
                paths[0] if len(paths) == 1 else paths,
                mode=form.cleaned_data["mode"],
                column_map=form.cleaned_data["column_map"],
                max_rejects=form.cleaned_data["max_rejects"],
                started_by=f"upload by {request.user.get_username()}",
            )
        except IngestError:
            failure = dataset.versions.order_by("-number").first()
        else:
            messages.success(request, f"Version {version.number} is published.")
            return redirect("staff-dataset", slug=dataset.slug)
    context = {"dataset": dataset, "form": form, "failure": failure}
    return render(
        request, "catalog/staff/upload.html", context, status=422 if failure or form.errors else 200
    )


@require_POST
@login_required
@permission_required(CHANGE, raise_exception=True)
def load_now(request: HttpRequest, slug: str) -> HttpResponse:
    dataset = get_object_or_404(Dataset, slug=slug)
    refusal = source_refusal(dataset)
    if not dataset.source:
        messages.error(request, "This dataset has no source to load from; upload a file.")
    elif refusal:
        messages.error(request, f"Not queued: {refusal}")
    else:
        # The refresh worker runs the load, so no web worker waits on a long one.
        Dataset.objects.filter(pk=dataset.pk).update(next_refresh_at=timezone.now())
        messages.success(
            request, "Queued: `citystat refresh` loads it on its next run (within minutes)."
        )
    return redirect("staff-dataset", slug=dataset.slug)


@require_POST
@login_required
@permission_required(CHANGE, raise_exception=True)
def rollback_to(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    dataset = get_object_or_404(Dataset, slug=slug)
    try:
        version = rollback(dataset, to=number)
    except VersionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Version {version.number} is published again.")
    return redirect("staff-dataset", slug=dataset.slug)


def source_refusal(dataset: Dataset) -> str:
    """Return why the dataset's source cannot be loaded, or "" (the refresh checks it again)."""
    if not dataset.source:
        return ""
    try:
        check_stored_source(dataset.source, dataset.slug)
    except SourceError as error:
        return str(error)
    return ""
