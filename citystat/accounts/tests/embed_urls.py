"""A URLconf with one embeddable page, for test_hardening.py."""

from django.http import HttpResponse
from django.urls import include, path

from citystat.accounts.decorators import embeddable


@embeddable
def chart(request):
    return HttpResponse("<p>chart</p>")


urlpatterns = [
    path("embed/chart/", chart, name="test-embed"),
    path("", include("citystat.urls")),
]
