"""Machine-readable endpoints: Socrata SODA 2.x for public datasets."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from citystat.api.ckan import ActionError, run_action
from citystat.api.dcat import data_catalog
from citystat.api.downloads import data_package, export_pending
from citystat.api.limits import api_rate_limited
from citystat.api.open311 import FORMATS as OPEN311_FORMATS
from citystat.api.open311 import (
    Open311Error,
    find_requests,
    service_definition,
    services,
    xml_document,
)
from citystat.api.soda import (
    ANSWERS,
    QueryBudget,
    answer_stream,
    find_public_dataset,
    run_query,
    view_metadata,
)
from citystat.api.soql import SoqlError
from citystat.catalog import exports
from citystat.catalog.exports import has_points
from citystat.catalog.models import Dataset
from citystat.city.models import CityProfile
from citystat.lib.csv_safety import KEEP_FORMULAS
from citystat.lib.file_responses import file_response

FORMULAS_PARAMETER = "$formulas"


def soda_error(
    message: str, code: str, status: int = 400, data: dict | None = None
) -> JsonResponse:
    body = {"code": code, "error": True, "message": message}
    return JsonResponse(body | {"data": data} if data else body, status=status)


def not_found(identifier: str) -> JsonResponse:
    return soda_error(f"no public dataset {identifier!r}", "not_found", status=404)


@api_rate_limited
@require_safe
def resource(request: HttpRequest, identifier: str, extension: str) -> HttpResponseBase:
    """Answer a SODA 2.x query on one public dataset as JSON, CSV or GeoJSON, streamed.

    Running the query and writing the answer share one time budget (soda.QueryBudget).
    """
    dataset = find_public_dataset(identifier)
    if dataset is None:
        return not_found(identifier)
    if extension == "geojson" and not has_points(dataset):
        return soda_error(
            f"{identifier!r} has no latitude and longitude; ask for .json or .csv instead.",
            "query.soql.no-geometry",
        )
    parameters = request.GET.dict()
    # Not SoQL: whether CSV text cells are escaped for spreadsheets (lib/csv_safety.py).
    formulas = parameters.pop(FORMULAS_PARAMETER, "escape")
    if formulas not in ("escape", KEEP_FORMULAS):
        return soda_error(
            f"{FORMULAS_PARAMETER}={formulas!r} is not understood; use "
            f"{FORMULAS_PARAMETER}={KEEP_FORMULAS} for CSV cells exactly as stored, "
            "or leave it out.",
            "query.soql.invalid-parameter",
        )
    budget = QueryBudget()
    try:
        result = run_query(dataset, parameters, budget)
        # The log names the dataset and size, never the query (it may carry an app token).
        what = f"{identifier}.{extension} ({len(result.rows)} rows)"
        chunks = answer_stream(
            result, extension, budget, what, escape_formulas=formulas != KEEP_FORMULAS
        )
    except SoqlError as error:
        return soda_error(str(error), error.code, data=error.data)
    response = StreamingHttpResponse(chunks, content_type=ANSWERS[extension][1])
    response["X-SODA2-Fields"] = json.dumps(result.names)
    response["X-SODA2-Types"] = json.dumps(result.types)
    return response


@api_rate_limited
@require_safe
def view(request: HttpRequest, identifier: str) -> JsonResponse:
    """Describe a public dataset the way Socrata's /api/views/{id}.json does."""
    dataset = find_public_dataset(identifier)
    if dataset is None:
        return not_found(identifier)
    response = JsonResponse(view_metadata(dataset))
    return response


@api_rate_limited
@require_safe
def data_json(request: HttpRequest) -> JsonResponse:
    """Publish the DCAT-US 1.1 catalog of every public dataset."""
    response = JsonResponse(data_catalog(request), json_dumps_params={"indent": 1})
    return response


@api_rate_limited
@require_safe
def download(request: HttpRequest, slug: str, extension: str) -> HttpResponseBase:
    """Serve a whole public dataset as the file the background job wrote for its version."""
    dataset = get_object_or_404(Dataset, slug=slug, is_public=True)
    version = dataset.latest_version
    if version is None or extension not in exports.formats_for(dataset):
        raise Http404("No such download.")
    path = exports.export_file(dataset.slug, version.number, extension)
    try:
        response = file_response(
            request,
            path,
            filename=f"{dataset.slug}-v{version.number}.{extension}",
            content_type=exports.CONTENT_TYPES[extension],
        )
    except FileNotFoundError:
        # Never built here: writing millions of rows would hold this worker for minutes.
        response = export_pending(dataset, version, extension)
    # The URL names the latest version, so caches keep the file but ask again each time.
    response["Cache-Control"] = "no-cache"
    return response


@api_rate_limited
@require_safe
def datapackage(request: HttpRequest, slug: str) -> JsonResponse:
    """Describe a public dataset's CSV download as a Frictionless Data Package."""
    dataset = get_object_or_404(Dataset, slug=slug, is_public=True)
    csv_url = request.build_absolute_uri(reverse("download", args=[slug, "csv"]))
    return JsonResponse(data_package(dataset, csv_url), json_dumps_params={"indent": 1})


@api_rate_limited
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def ckan_action(request: HttpRequest, action: str) -> JsonResponse:
    """Answer CKAN Action API calls (read-only), by GET parameters or a POSTed JSON body."""
    help_url = request.build_absolute_uri(request.path)
    try:
        parameters = ckan_parameters(request)
        result = run_action(request, action, parameters)
    except ActionError as error:
        body = {
            "help": help_url,
            "success": False,
            "error": {"__type": error.kind, "message": str(error)},
        }
        return JsonResponse(body, status=error.status)
    response = JsonResponse({"help": help_url, "success": True, "result": result})
    return response


def ckan_parameters(request: HttpRequest) -> dict:
    if request.method != "POST" or not request.body:
        return request.GET.dict()
    try:
        parameters = json.loads(request.body)
    except ValueError:
        raise ActionError("the request body is not valid JSON.") from None
    if not isinstance(parameters, dict):
        raise ActionError("the request body must be a JSON object.")
    return parameters


def open311_response(payload: Any, root: str, extension: str, status: int = 200) -> HttpResponse:
    """Answer GeoReport v2 JSON, or its XML under the element `root` for `.xml`."""
    if extension == "xml":
        response = HttpResponse(
            xml_document(root, payload), content_type="text/xml; charset=utf-8", status=status
        )
    else:
        response = JsonResponse(payload, status=status, safe=False)
    return response


def open311_error(error: Open311Error, extension: str) -> HttpResponse:
    errors = [{"code": error.status, "description": str(error)}]
    return open311_response(errors, "errors", extension, error.status)


def open311_endpoint(
    root: str,
) -> Callable[[Callable[..., Any]], Callable[..., HttpResponseBase]]:
    """Serve a view's payload as GeoReport v2 JSON or XML, and any refusal as its errors.

    The API only reads: POST, PUT, DELETE and the rest get GeoReport's 403 error body in
    the format asked for, never Django's CSRF page or an empty 405.
    """

    def decorate(view: Callable[..., Any]) -> Callable[..., HttpResponseBase]:
        @csrf_exempt
        @api_rate_limited
        @functools.wraps(view)
        def wrapper(
            request: HttpRequest, *args: Any, extension: str, **kwargs: Any
        ) -> HttpResponse:
            if extension not in OPEN311_FORMATS:
                refusal = Open311Error(
                    f"format {extension!r} is not offered; end the path in .json or .xml.", 404
                )
                return open311_error(refusal, "json")
            if request.method not in ("GET", "HEAD"):
                refusal = Open311Error(
                    f"{request.method} is refused: this GeoReport v2 server only reads "
                    "(GET); it takes no new or changed service requests.",
                    403,
                )
                return open311_error(refusal, extension)
            try:
                return open311_response(view(request, *args, **kwargs), root, extension)
            except Open311Error as error:
                return open311_error(error, extension)

        return wrapper

    return decorate


@open311_endpoint("discovery")
def open311_discovery(request: HttpRequest) -> dict[str, Any]:
    city = CityProfile.current()
    changeset = city.updated_at.isoformat() if city.pk else ""
    return {
        "changeset": changeset,
        "contact": city.website or city.name,
        "key_service": "",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": request.build_absolute_uri("/open311/v2"),
                "changeset": changeset,
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }


@open311_endpoint("services")
def open311_services(request: HttpRequest) -> list[dict[str, Any]]:
    return services()


@open311_endpoint("service_definition")
def open311_service(request: HttpRequest, code: str) -> dict[str, Any]:
    return service_definition(code)


@open311_endpoint("service_requests")
def open311_requests(request: HttpRequest) -> list[dict[str, Any]]:
    # A parameter given twice counts twice (`status=open&status=closed`), as a comma list.
    return find_requests({key: ",".join(values) for key, values in request.GET.lists()})


@open311_endpoint("service_requests")
def open311_request(request: HttpRequest, identifier: str) -> list[dict[str, Any]]:
    """Return one request as GeoReport v2 does: an array of one element."""
    found = find_requests({"service_request_id": identifier})
    if not found:
        raise Open311Error(f"no service request {identifier!r}.", 404)
    return found[:1]
