from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from citystat.city.models import CityProfile


@require_safe
@cache_control(public=True, max_age=3600)
def logo(request: HttpRequest) -> FileResponse:
    """Serve the city's logo from any web node, without a separate media server."""
    city = CityProfile.current()
    if not city.logo:
        raise Http404("This city has no logo.")
    try:
        return FileResponse(city.logo.open("rb"))
    except FileNotFoundError:
        raise Http404("The logo file is missing.") from None
