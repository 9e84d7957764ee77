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
from django.utils.http import http_date
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from citystat.api.ckan import ActionError, run_action
from citystat.api.conditional import (
    answer_etag,
    answer_last_modified,
    catalog_etag,
    conditional,
    data_changed_at,
    metadata_etag,
    requested_dataset,
)
from citystat.api.dcat import data_catalog
from citystat.api.discovery import DiscoveryError, search
from citystat.api.downloads import data_package, export_pending
from citystat.api.limits import api_rate_limited, api_row_budget, charge_rows
from citystat.api.links import site_reverse, site_url
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
    Page,
    QueryBudget,
    SodaResult,
    answer_stream,
    find_public_dataset,
    rows_json_chunks,
    run_query,
    soql_type,
    view_metadata,
    within_budget,
)
from citystat.api.soql import MAX_LIMIT, SoqlError
from citystat.catalog import exports
from citystat.catalog.exports import has_points
from citystat.catalog.models import Dataset
from citystat.city.models import CityProfile
from citystat.lib.csv_safety import KEEP_FORMULAS
from citystat.lib.file_responses import file_response

FORMULAS_PARAMETER = "$formulas"


def soda_error(
    message: str, code: str, status: int = 400, data: dict[str, Any] | None = None
) -> JsonResponse:
    body = {"code": code, "error": True, "message": message}
    return JsonResponse(body | {"data": data} if data else body, status=status)


def not_found(identifier: str) -> JsonResponse:
    return soda_error(f"no public dataset {identifier!r}", "not_found", status=404)


@api_row_budget
@require_safe
@conditional(answer_etag, answer_last_modified)
def resource(request: HttpRequest, identifier: str, extension: str) -> HttpResponseBase:
    """Answer a SODA 2.x query on one public dataset as JSON, CSV or GeoJSON, streamed.

    Running the query and writing the answer share one time budget (soda.QueryBudget).
    """
    found = requested_dataset(request, identifier)
    if found is None:
        return not_found(identifier)
    dataset = found[0]
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
    return soda_answer(request, identifier, parameters, extension, formulas=formulas)


def soda_answer(
    request: HttpRequest,
    identifier: str,
    parameters: dict[str, str],
    extension: str,
    page: Page | None = None,
    formulas: str = "escape",
) -> HttpResponseBase:
    """Run a query on a public dataset and stream its answer with Socrata's headers.

    SODA 2.x, SODA3 and the legacy rows export all answer through here, so the same
    query gets the same rows, values and headers whichever door it came in by.
    """
    found = requested_dataset(request, identifier)
    if found is None:
        return not_found(identifier)
    dataset, version = found
    budget = QueryBudget()
    try:
        result = run_query(dataset, parameters, budget, page)
        charge_rows(request, len(result.rows))
        # The log names the dataset and size, never the query (it may carry an app token).
        what = f"{identifier}.{extension} ({len(result.rows)} rows)"
        chunks = answer_stream(
            result, extension, budget, what, escape_formulas=formulas != KEEP_FORMULAS
        )
    except SoqlError as error:
        return soda_error(str(error), error.code, data=error.data)
    response = StreamingHttpResponse(chunks, content_type=ANSWERS[extension][1])
    soda_headers(response, result, data_changed_at(dataset, version))
    return response


def soda_headers(response: HttpResponseBase, result: SodaResult, changed: Any) -> None:
    """Set the X-SODA2-* headers a SODA 2.1 endpoint sends with every answer."""
    response["X-SODA2-Fields"] = json.dumps(result.names)
    response["X-SODA2-Types"] = json.dumps([soql_type(kind) for kind in result.types])
    # Types above are SoQL's (2.1), not the 2.0 names clients must translate.
    response["X-SODA2-Legacy-Types"] = "false"
    # The warehouse is the truth: there is no secondary copy that could lag behind it.
    response["X-SODA2-Data-Out-Of-Date"] = "false"
    response["X-SODA2-Truth-Last-Modified"] = http_date(changed.timestamp())
    response["X-SODA2-Secondary-Last-Modified"] = http_date(changed.timestamp())


# SODA3 (`/api/v3/views/{id}/query.json` and `export.csv`): the same SoQL as `$query`.
SODA3_KEYS = ("query", "page", "includeSynthetic")


class Soda3Error(ValueError):
    """A SODA3 request body or parameter that cannot be read (400)."""


def soda3_request(request: HttpRequest) -> tuple[dict[str, str], Page | None]:
    """Read a SODA3 query from `?query=` (GET) or a JSON body (POST); return the SODA2
    parameters of the same question and its page, if any."""
    body: dict[str, Any]
    if request.method == "POST":
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            raise Soda3Error("the request body is not valid JSON.") from None
        if not isinstance(body, dict):
            raise Soda3Error("the request body must be a JSON object.")
    else:
        body = dict(request.GET.dict())
        if "pageNumber" in body or "pageSize" in body:
            body["page"] = {key: body.pop(key) for key in ("pageNumber", "pageSize") if key in body}
    unknown = sorted(set(body) - set(SODA3_KEYS) - {"pageNumber", "pageSize"})
    if unknown:
        raise Soda3Error(
            f"{', '.join(unknown)[:80]}: not understood; a SODA3 query has {', '.join(SODA3_KEYS)}."
        )
    synthetic = body.get("includeSynthetic", False)
    if synthetic not in (False, "false"):
        raise Soda3Error(
            "includeSynthetic: system fields are not added to answers here; name the ones "
            "you need in the query's SELECT, or send includeSynthetic: false."
        )
    query = body.get("query", "SELECT *")
    if not isinstance(query, str) or not query.strip():
        raise Soda3Error("query: expected a SoQL statement, such as SELECT * WHERE …")
    return {"$query": query}, soda3_page(body.get("page"))


def soda3_page(page: Any) -> Page | None:
    if page is None:
        return None
    if not isinstance(page, dict) or set(page) - {"pageNumber", "pageSize"}:
        raise Soda3Error('page: expected {"pageNumber": 1, "pageSize": 1000}.')
    number, size = page.get("pageNumber", 1), page.get("pageSize", 1000)
    try:
        number, size = int(number), int(size)
    except (TypeError, ValueError):
        raise Soda3Error("page: pageNumber and pageSize must be whole numbers.") from None
    if number < 1 or not 1 <= size <= MAX_LIMIT:
        raise Soda3Error(
            f"page: pageNumber must be at least 1 and pageSize from 1 to {MAX_LIMIT:,}."
        )
    return Page(number, size)


@api_row_budget
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
@conditional(answer_etag, answer_last_modified)
def soda3(request: HttpRequest, identifier: str, extension: str) -> HttpResponseBase:
    """Answer a SODA3 query exactly as SODA 2.x answers the same `$query`.

    Reads only: POST carries the query in a JSON body and changes nothing, so it needs no
    CSRF token (the API takes no cookies).
    """
    if requested_dataset(request, identifier) is None:
        return not_found(identifier)
    try:
        parameters, page = soda3_request(request)
    except Soda3Error as error:
        return soda_error(str(error), "query.soql.invalid-parameter")
    return soda_answer(request, identifier, parameters, extension, page)


@api_row_budget
@require_safe
@conditional(answer_etag, answer_last_modified)
def rows_json(request: HttpRequest, identifier: str) -> HttpResponseBase:
    """Socrata's legacy whole-dataset export as JSON: `meta.view` and `data` arrays.

    It is built from a query in this request, so it answers datasets of up to MAX_LIMIT
    rows less one, and refuses larger ones (pointing to the CSV download and to paging)
    rather than send a first slice that looks whole.
    """
    found = requested_dataset(request, identifier)
    if found is None:
        return not_found(identifier)
    dataset, version = found
    if request.GET:
        return soda_error(
            "rows.json exports the whole dataset and takes no parameters; query "
            f"/resource/{identifier}.json for a part of it.",
            "query.soql.invalid-parameter",
        )
    budget = QueryBudget()
    try:
        result = run_query(dataset, {"$limit": str(MAX_LIMIT)}, budget)
        charge_rows(request, len(result.rows))
        if len(result.rows) >= MAX_LIMIT:
            return soda_error(
                f"{identifier!r} has {MAX_LIMIT:,} rows or more, too many to export as "
                f"rows.json; download /downloads/{dataset.slug}.csv, or page through "
                f"/resource/{identifier}.json with $limit and $offset.",
                "query.execution.too-large",
            )
        what = f"{identifier} rows.json ({len(result.rows)} rows)"
        chunks = within_budget(rows_json_chunks(result, view_metadata(dataset)), budget, what)
    except SoqlError as error:
        return soda_error(str(error), error.code)
    response = StreamingHttpResponse(chunks, content_type="application/json")
    soda_headers(response, result, data_changed_at(dataset, version))
    return response


@api_rate_limited
@require_safe
def rows_csv(request: HttpRequest, identifier: str) -> HttpResponseBase:
    """Socrata's legacy whole-dataset CSV export: the CSV download of the latest version."""
    dataset = find_public_dataset(identifier)
    if dataset is None:
        return not_found(identifier)
    if request.GET.keys() - {"accessType"}:
        return soda_error(
            "rows.csv exports the whole dataset and takes no query; query "
            f"/resource/{identifier}.csv for a part of it.",
            "query.soql.invalid-parameter",
        )
    return serve_download(request, dataset, "csv")


@api_rate_limited
@require_safe
@conditional(catalog_etag)
def catalog_search(request: HttpRequest) -> JsonResponse:
    """Socrata's Discovery API over the public catalogue, as sodapy's datasets() reads it."""
    try:
        return JsonResponse(search(request))
    except DiscoveryError as error:
        return JsonResponse({"error": str(error)}, status=400)


@api_rate_limited
@require_safe
@conditional(metadata_etag)
def view(request: HttpRequest, identifier: str) -> JsonResponse:
    """Describe a public dataset the way Socrata's /api/views/{id}.json does."""
    dataset = find_public_dataset(identifier)
    if dataset is None:
        return not_found(identifier)
    return JsonResponse(view_metadata(dataset))


@api_rate_limited
@require_safe
@conditional(catalog_etag)
def data_json(request: HttpRequest) -> JsonResponse:
    """Publish the DCAT-US 1.1 catalog of every public dataset."""
    response = JsonResponse(data_catalog(request), json_dumps_params={"indent": 1})
    return response


@api_rate_limited
@require_safe
def download(request: HttpRequest, slug: str, extension: str) -> HttpResponseBase:
    """Serve a whole public dataset as the file the background job wrote for its version."""
    dataset = get_object_or_404(Dataset, slug=slug, is_public=True)
    return serve_download(request, dataset, extension)


def serve_download(request: HttpRequest, dataset: Dataset, extension: str) -> HttpResponseBase:
    """Answer with the export file (200/206/304/412/416), or 202 while it is being built."""
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
    # From CITYSTAT_SITE_URL, never the Host header: harvesters store this link.
    csv_url = site_reverse("download", slug, "csv")
    return JsonResponse(data_package(dataset, csv_url), json_dumps_params={"indent": 1})


@api_rate_limited
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
@conditional(catalog_etag)
def ckan_action(request: HttpRequest, action: str) -> JsonResponse:
    """Answer CKAN Action API calls (read-only), by GET parameters or a POSTed JSON body."""
    help_url = site_url(request.path)
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


def ckan_parameters(request: HttpRequest) -> dict[str, Any]:
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
                "url": site_url("/open311/v2"),
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
