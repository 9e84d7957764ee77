"""Conditional requests for the open-data answers: ETag, Last-Modified and 304 (#18).

Validators are worked out from what an answer is made of, cheaply and before any query
runs, and handed to Django's `condition` decorator, which answers 304 (or 412) itself:

- a SODA answer is made of the dataset's published version, its schema (which columns
  are public) and the query: its ETag hashes those, and its Last-Modified is when the
  version was published or the dataset last saved, whichever is later;
- the catalogue answers (`/data.json`, CKAN actions, Discovery, a dataset's metadata)
  hash every row they are drawn from. They carry no Last-Modified: a department renamed
  or a dataset made private leaves no timestamp behind, and a date that stood still
  would answer 304 for a changed catalogue.

Every ETag also names the citystat release, since a release may write answers otherwise,
and the host asked, since the catalogue answers hold absolute URLs.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone
from django.views.decorators.http import condition

from citystat.api.soda import find_public_dataset
from citystat.catalog.models import Dataset, DatasetVersion
from citystat.city.models import CityProfile, Department
from citystat.lib.etags import model_fields, strong_etag
from citystat.lib.release import citystat_version

# Statuses whose validators describe the body sent; an error or a 202 "being prepared"
# is not the resource, and a cache must never revalidate it into a 304.
VALIDATED_STATUSES = (200, 206, 304)
DATASET_ATTRIBUTE = "_citystat_conditional_dataset"
# Read once: a release may write answers otherwise, so every ETag names it.
RELEASE = citystat_version()


def fingerprint(*parts: Any) -> str:
    """Return a strong ETag for `parts` and the citystat release that writes the answer."""
    return strong_etag(RELEASE, *parts)


def request_parts(request: HttpRequest) -> list[Any]:
    """What of the request itself an answer depends on: its host and its parameters."""
    return [request.scheme, request.get_host(), sorted(request.GET.lists())]


def requested_dataset(request: HttpRequest, identifier: str) -> tuple[Dataset, Any] | None:
    """Return the public dataset and its published version, looked up once per request."""
    found = getattr(request, DATASET_ATTRIBUTE, None)
    if found is None or found[0] != identifier:
        dataset = find_public_dataset(identifier)
        pair = None if dataset is None else (dataset, dataset.latest_version)
        found = (identifier, pair)
        setattr(request, DATASET_ATTRIBUTE, found)
    return found[1]


def dataset_parts(dataset: Dataset, version: DatasetVersion | None) -> list[Any]:
    return [
        dataset.pk,
        dataset.slug,
        dataset.updated_at,
        dataset.table_schema,
        None if version is None else [version.pk, version.number, version.published_at],
    ]


def answer_etag(request: HttpRequest, identifier: str, *args: Any, **kwargs: Any) -> str | None:
    """ETag of a SODA answer: the dataset's published version, its schema, the query."""
    found = requested_dataset(request, identifier)
    if found is None:
        return None
    return fingerprint(
        "answer", request.path, kwargs, *dataset_parts(*found), request_parts(request)
    )


def answer_last_modified(
    request: HttpRequest, identifier: str, *args: Any, **kwargs: Any
) -> dt.datetime | None:
    """When the rows and columns a SODA answer reads last changed; None if unknown."""
    found = requested_dataset(request, identifier)
    if found is None:
        return None
    return settled(data_changed_at(*found))


def data_changed_at(dataset: Dataset, version: DatasetVersion | None) -> dt.datetime:
    """The later of the version's publication (or rollback to it) and the dataset's save."""
    moments = [dataset.updated_at]
    if version is not None:
        moments += [moment for moment in (version.published_at, version.finished_at) if moment]
    return max(moments)


def settled(moment: dt.datetime) -> dt.datetime | None:
    """Return `moment` unless it falls in the current second (or later).

    HTTP dates count whole seconds: a change later in the same second would carry the same
    Last-Modified, and a client holding the earlier answer would be told 304.
    """
    if int(moment.timestamp()) >= int(timezone.now().timestamp()):
        return None
    return moment


def metadata_etag(request: HttpRequest, identifier: str, *args: Any, **kwargs: Any) -> str | None:
    """ETag of a dataset's metadata, which also names its department."""
    found = requested_dataset(request, identifier)
    if found is None:
        return None
    dataset = found[0]
    department = (
        list(Department.objects.filter(pk=dataset.department_id).values_list())
        if dataset.department_id
        else []
    )
    return fingerprint(
        "metadata",
        request.path,
        args,
        kwargs,
        *dataset_parts(*found),
        dataset_rows(Dataset.objects.filter(pk=dataset.pk)),
        department,
        request_parts(request),
    )


def dataset_rows(datasets: Any) -> list[Any]:
    return list(datasets.order_by("pk").values_list())


def catalog_etag(request: HttpRequest, *args: Any, **kwargs: Any) -> str:
    """ETag of an answer drawn from the whole public catalogue (data.json, CKAN, Discovery).

    It hashes every field of every public dataset, their published versions, the
    departments and the city profile: a few thousand rows at most for a city, read in
    three queries, where building the answer reads them and writes it too.
    """
    public = Dataset.objects.filter(is_public=True)
    versions = DatasetVersion.objects.filter(
        dataset__is_public=True, status=DatasetVersion.Status.PUBLISHED
    ).order_by("dataset_id")
    return fingerprint(
        "catalog",
        request.path,
        args,
        kwargs,
        dataset_rows(public),
        list(versions.values_list()),
        list(Department.objects.order_by("pk").values_list()),
        city_parts(),
        settings.CITYSTAT_SITE_URL,
        request_parts(request),
    )


def city_parts() -> list[Any]:
    """Every field of the city profile, read where the answers read it.

    The answers use CityProfile.current(), which a process keeps for a few seconds: an
    ETag from the database could name a renamed city while the body still shows the old
    name, and that body would then be confirmed by 304s for as long as nothing else moved.
    """
    return model_fields(CityProfile.current())


def conditional(
    etag_func: Callable[..., str | None],
    last_modified_func: Callable[..., dt.datetime | None] | None = None,
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Django's `condition` for reads, with validators only on a successful answer.

    Other methods (a CKAN action or a SODA3 query POSTed) go straight to the view: a POST
    body is not part of the validators.
    """

    def decorate(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        conditioned = condition(etag_func=etag_func, last_modified_func=last_modified_func)(view)

        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.method not in ("GET", "HEAD"):
                return view(request, *args, **kwargs)
            response = conditioned(request, *args, **kwargs)
            if response.status_code not in VALIDATED_STATUSES:
                for header in ("ETag", "Last-Modified"):
                    if response.has_header(header):
                        del response[header]
            return response

        return wrapper

    return decorate
