from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    # First: /priorities/pick/ must win over the public site's /priorities/<slug>/.
    path("", include("citystat.engagement.urls")),
    path("", include("citystat.public.urls_priorities")),
    path("", include("citystat.public.urls")),
    path("", include("citystat.public.urls_places")),
    path("", include("citystat.public.urls_about")),
    path("", include("citystat.catalog.urls")),
    path("", include("citystat.ops.urls")),
    path("", include("citystat.city.urls")),
    path("", include("citystat.surveys.urls")),
    path("", include("citystat.api.urls")),
    path("", include("citystat.accounts.urls")),
    path("", include("citystat.plan.urls")),
    path("", include("citystat.meetings.urls")),
    path("", include("citystat.peers.urls")),
    path("", include("citystat.reports.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]

handler404 = "citystat.public.views.page_not_found"
handler500 = "citystat.public.views.server_error"
