from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from citystat.ops.health import check_health


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Answer load balancers and monitors: 200 when the app database and warehouse answer."""
    report = check_health()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)
