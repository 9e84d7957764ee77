from django.urls import path

from citystat.reports import views

urlpatterns = [
    path("staff/reports/", views.staff_reports, name="staff-reports"),
    path("staff/reports/download/", views.staff_report_download, name="staff-report-download"),
    path(
        "exports/<str:kind>/<slug:slug>.<str:fmt>",
        views.public_export,
        name="public-export",
    ),
]
