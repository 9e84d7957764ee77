import hmac

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from citystat.ops.health import check_health, check_readiness


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Answer load balancers and monitors: 200 when the app database and warehouse answer."""
    report = check_health()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)


@require_safe
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Say whether this node should receive traffic: healthy, migrated, cache reachable."""
    report = check_readiness()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)


@require_safe
@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics, when CITYSTAT_METRICS is on; a bearer token if one is set."""
    if not settings.CITYSTAT_METRICS:
        raise Http404("metrics are off")
    token = settings.CITYSTAT_METRICS_TOKEN
    if token:
        sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(sent.encode(), token.encode()):
            response = HttpResponse("a bearer token is required\n", status=401)
            response["WWW-Authenticate"] = 'Bearer realm="citystat metrics"'
            return response
    # Here, not at the top: prometheus_client takes a tenth of a second or more to import, and the
    # URLs load this module whether or not metrics are on.
    from citystat.ops.metrics import exposition  # noqa: PLC0415

    return HttpResponse(exposition(), content_type="text/plain; version=0.0.4; charset=utf-8")
