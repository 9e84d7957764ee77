"""The site's URLs: each app's URLconf, included once.

An app whose URLs all share a prefix is mounted under it, and its urls.py lists paths
relative to it. The others are mounted at "" because their URLs have no common prefix:
each serves both residents' pages (or feeds, or an API at the top level) and staff pages
under staff/, as the comment beside each says.
"""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    # First, on purpose: engagement's ballot /priorities/pick/ must win over the priority
    # area slugged "pick" (public's /priorities/<slug>/), whose page the ballot hides
    # (tests/test_url_snapshot.py pins it). Mixed: questions/, updates/, subscribe/,
    # priorities/pick/, api/questions, hooks/, feeds/ and staff/….
    path("", include("citystat.engagement.urls")),
    # Mixed: the residents' site's pages sit at the top level (/, /measures/, /search/ …).
    path("", include("citystat.public.urls")),
    # Mixed: datasets/ for residents, staff/datasets/ for staff.
    path("", include("citystat.catalog.urls")),
    # Mixed: healthz, readyz and metrics sit at the top level, where probes expect them.
    path("", include("citystat.ops.urls")),
    path("city/", include("citystat.city.urls")),
    # Mixed: surveys/, services/, budget/ and staff/surveys/.
    path("", include("citystat.surveys.urls")),
    # Mixed: the SODA, CKAN, DCAT and Open311 paths are fixed by their standards
    # (resource/, api/views/, data.json, open311/v2/ …), beside datasets/ and downloads/.
    path("", include("citystat.api.urls")),
    path("staff/", include("citystat.accounts.urls")),
    path("staff/", include("citystat.plan.urls")),
    # Mixed: meetings/ for residents, staff/meetings/, staff/meeting-series/ and
    # staff/follow-ups/ for staff.
    path("", include("citystat.meetings.urls")),
    path("compare/", include("citystat.peers.urls")),
    # Mixed: exports/ for residents, staff/reports/ for staff.
    path("", include("citystat.reports.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]

handler404 = "citystat.public.views.errors.page_not_found"
handler500 = "citystat.public.views.errors.server_error"
