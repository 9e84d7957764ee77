from django.http import HttpRequest

from citystat.city.models import CityProfile


def city(request: HttpRequest) -> dict[str, CityProfile]:
    # The middleware has already read the profile for this request.
    return {"city": getattr(request, "city", None) or CityProfile.current()}
