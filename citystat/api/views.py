"""Machine-readable endpoints: Socrata SODA 2.x for public datasets."""

from __future__ import annotations

import json
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from citystat.api.ckan import ActionError, run_action
from citystat.api.dcat import data_catalog
from citystat.api.downloads import data_package, export_pending
from citystat.api.limits import api_rate_limited
from citystat.api.open311 import Open311Error, find_requests, services
from citystat.api.soda import (
    csv_text,
    find_public_dataset,
    geojson_collection,
    json_rows,
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


def soda_error(message: str, code: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"code": code, "error": True, "message": message}, status=status)


def not_found(identifier: str) -> JsonResponse:
    return soda_error(f"no public dataset {identifier!r}", "not_found", status=404)


@api_rate_limited
@require_safe
def resource(request: HttpRequest, identifier: str, extension: str) -> HttpResponse:
    """Answer a SODA 2.x query on one public dataset as JSON, CSV or GeoJSON."""
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
    try:
        result = run_query(dataset, parameters)
    except SoqlError as error:
        return soda_error(str(error), error.code)
    response: HttpResponse
    if extension == "geojson":
        response = JsonResponse(geojson_collection(result))
        response["Content-Type"] = "application/vnd.geo+json"
    elif extension == "csv":
        text = csv_text(result, escape_formulas=formulas != KEEP_FORMULAS)
        response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    else:
        response = JsonResponse(json_rows(result), safe=False)
    response["X-SODA2-Fields"] = json.dumps(result.names)
    response["X-SODA2-Types"] = json.dumps(result.types)
    response["Access-Control-Allow-Origin"] = "*"
    return response


@api_rate_limited
@require_safe
def view(request: HttpRequest, identifier: str) -> JsonResponse:
    """Describe a public dataset the way Socrata's /api/views/{id}.json does."""
    dataset = find_public_dataset(identifier)
    if dataset is None:
        return not_found(identifier)
    response = JsonResponse(view_metadata(dataset))
    response["Access-Control-Allow-Origin"] = "*"
    return response


@api_rate_limited
@require_safe
def data_json(request: HttpRequest) -> JsonResponse:
    """Publish the DCAT-US 1.1 catalog of every public dataset."""
    response = JsonResponse(data_catalog(request), json_dumps_params={"indent": 1})
    response["Access-Control-Allow-Origin"] = "*"
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
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = "Content-Range, ETag, Retry-After"
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
    response["Access-Control-Allow-Origin"] = "*"
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


def open311_response(payload: Any, status: int = 200) -> JsonResponse:
    response = JsonResponse(payload, status=status, safe=False)
    response["Access-Control-Allow-Origin"] = "*"
    return response


def open311_error(error: Open311Error) -> JsonResponse:
    return open311_response([{"code": error.status, "description": str(error)}], error.status)


@api_rate_limited
@require_safe
def open311_discovery(request: HttpRequest) -> JsonResponse:
    city = CityProfile.current()
    return open311_response(
        {
            "changeset": city.updated_at.isoformat() if city.pk else "",
            "contact": city.website or city.name,
            "key_service": "",
            "endpoints": [
                {
                    "specification": "http://wiki.open311.org/GeoReport_v2",
                    "url": request.build_absolute_uri("/open311/v2"),
                    "changeset": city.updated_at.isoformat() if city.pk else "",
                    "type": "production",
                    "formats": ["application/json"],
                }
            ],
        }
    )


@api_rate_limited
@require_safe
def open311_services(request: HttpRequest) -> JsonResponse:
    try:
        return open311_response(services())
    except Open311Error as error:
        return open311_error(error)


@api_rate_limited
@require_safe
def open311_requests(request: HttpRequest) -> JsonResponse:
    try:
        return open311_response(find_requests(request.GET.dict()))
    except Open311Error as error:
        return open311_error(error)


@api_rate_limited
@require_safe
def open311_request(request: HttpRequest, identifier: str) -> JsonResponse:
    """Return one request as GeoReport v2 does: an array of one element."""
    try:
        found = find_requests({"service_request_id": identifier})
    except Open311Error as error:
        return open311_error(error)
    if not found:
        return open311_error(Open311Error(f"no service request {identifier!r}.", 404))
    return open311_response(found[:1])
