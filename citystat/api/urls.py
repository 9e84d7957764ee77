from django.urls import include, path

from citystat.api import dataset_pages, views

urlpatterns = [
    path("api/", include("citystat.api.rest.urls")),
    # The dataset page explores the rows through SODA, so it lives beside the API.
    path("datasets/<slug:slug>/", dataset_pages.dataset_page, name="dataset"),
    path(
        "resource/<slug:identifier>.json",
        views.resource,
        {"extension": "json"},
        name="soda-resource-json",
    ),
    path(
        "resource/<slug:identifier>.csv",
        views.resource,
        {"extension": "csv"},
        name="soda-resource-csv",
    ),
    path(
        "resource/<slug:identifier>.geojson",
        views.resource,
        {"extension": "geojson"},
        name="soda-resource-geojson",
    ),
    path("api/views/<slug:identifier>.json", views.view, name="soda-view"),
    path("api/views/<slug:identifier>/rows.json", views.rows_json, name="soda-rows-json"),
    path("api/views/<slug:identifier>/rows.csv", views.rows_csv, name="soda-rows-csv"),
    path(
        "api/v3/views/<slug:identifier>/query.json",
        views.soda3,
        {"extension": "json"},
        name="soda3-query",
    ),
    path(
        "api/v3/views/<slug:identifier>/export.csv",
        views.soda3,
        {"extension": "csv"},
        name="soda3-export",
    ),
    path("api/catalog/v1", views.catalog_search, name="discovery"),
    path("data.json", views.data_json, name="data-json"),
    path(
        "downloads/<slug:slug>.<str:extension>",
        views.download,
        name="download",
    ),
    path("downloads/<slug:slug>/datapackage.json", views.datapackage, name="datapackage"),
    path("api/3/action/<slug:action>", views.ckan_action, name="ckan-action-3"),
    path("api/action/<slug:action>", views.ckan_action, name="ckan-action"),
    # Every Open311 path ends in .json or .xml; the view refuses other formats itself so
    # that a client gets GeoReport's error body rather than Django's 404 page.
    path(
        "open311/v2/discovery.<str:extension>",
        views.open311_discovery,
        name="open311-discovery",
    ),
    path("open311/v2/services.<str:extension>", views.open311_services, name="open311-services"),
    path(
        "open311/v2/services/<slug:code>.<str:extension>",
        views.open311_service,
        name="open311-service",
    ),
    path("open311/v2/requests.<str:extension>", views.open311_requests, name="open311-requests"),
    path(
        "open311/v2/requests/<slug:identifier>.<str:extension>",
        views.open311_request,
        name="open311-request",
    ),
]
