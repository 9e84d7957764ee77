from django.urls import path

from citystat.plan import views

urlpatterns = [
    path("staff/measures/", views.measure_list, name="staff-measures"),
    path("staff/measures/<slug:slug>/", views.measure_detail, name="staff-measure"),
    path("staff/measures/<slug:slug>/values/", views.add_values, name="staff-measure-values"),
    path(
        "staff/measures/<slug:slug>/narrative/",
        views.save_narrative,
        name="staff-measure-narrative",
    ),
    path("staff/measures/<slug:slug>/targets/", views.save_target, name="staff-measure-target"),
    path(
        "staff/measures/<slug:slug>/narratives/<str:period>/review/",
        views.review_narrative,
        name="staff-narrative-review",
    ),
    path("staff/reporting/", views.reporting, name="staff-reporting"),
]
