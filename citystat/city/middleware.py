from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from citystat.city.models import CityProfile


def city_time_zone(get_response: Callable[[HttpRequest], HttpResponse]):
    """Show every date and time in the city's own time zone."""

    def middleware(request: HttpRequest) -> HttpResponse:
        request.city = CityProfile.current()  # type: ignore[attr-defined]
        timezone.activate(request.city.zone)  # type: ignore[attr-defined]
        try:
            return get_response(request)
        finally:
            timezone.deactivate()

    return middleware
