from django.urls import path

from citystat.catalog.views import public, staff

urlpatterns = [
    path("datasets/", public.dataset_list, name="datasets"),
    path("staff/datasets/", staff.dataset_list, name="staff-datasets"),
    path("staff/datasets/new/", staff.new_dataset, name="staff-dataset-new"),
    path("staff/datasets/<slug:slug>/", staff.dataset_detail, name="staff-dataset"),
    path("staff/datasets/<slug:slug>/edit/", staff.edit_dataset, name="staff-dataset-edit"),
    path(
        "staff/datasets/<slug:slug>/public/",
        staff.dataset_publicity,
        name="staff-dataset-publicity",
    ),
    path("staff/datasets/<slug:slug>/upload/", staff.upload, name="staff-dataset-upload"),
    path("staff/datasets/<slug:slug>/load-now/", staff.load_now, name="staff-dataset-load-now"),
    path(
        "staff/datasets/<slug:slug>/versions/<int:number>/publish/",
        staff.rollback_to,
        name="staff-dataset-rollback",
    ),
]
