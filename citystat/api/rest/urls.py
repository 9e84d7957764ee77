"""Routes of the REST API (/api/v1/…), its OpenAPI document and its browsable docs,
mounted under api/ by citystat/api/urls.py."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from citystat.api.rest import meetings, views

LIST = {"get": "list"}
DETAIL = {"get": "retrieve"}

urlpatterns = [
    path("schema", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "docs",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="api/swagger_ui.html"
        ),
        name="api-docs",
    ),
    path(
        "v1/priority-areas/",
        views.PriorityAreaViews.as_view(LIST),
        name="api-priority-areas",
    ),
    path(
        "v1/priority-areas/<int:pk>/",
        views.PriorityAreaViews.as_view(DETAIL),
        name="api-priority-area",
    ),
    path("v1/goals/", views.GoalViews.as_view(LIST), name="api-goals"),
    path("v1/goals/<int:pk>/", views.GoalViews.as_view(DETAIL), name="api-goal"),
    path("v1/measures/", views.MeasureViews.as_view(LIST), name="api-measures"),
    path("v1/measures/<slug:slug>/", views.MeasureViews.as_view(DETAIL), name="api-measure"),
    path(
        "v1/measures/<slug:slug>/values/",
        views.MeasureValueViews.as_view({"get": "list", "post": "create"}),
        name="api-measure-values",
    ),
    path(
        "v1/measures/<slug:slug>/narratives/",
        views.NarrativeViews.as_view(LIST),
        name="api-measure-narratives",
    ),
    path(
        "v1/measures/<slug:slug>/narratives/<str:period>/",
        views.NarrativeViews.as_view({"get": "retrieve", "put": "update"}),
        name="api-measure-narrative",
    ),
    path(
        "v1/measures/<slug:slug>/targets/",
        views.TargetViews.as_view(LIST),
        name="api-measure-targets",
    ),
    path(
        "v1/measures/<slug:slug>/targets/<int:fiscal_year>/",
        views.TargetViews.as_view({"put": "update"}),
        name="api-measure-target",
    ),
    path("v1/meetings/", meetings.MeetingViews.as_view(LIST), name="api-meetings"),
    path("v1/meetings/<int:pk>/", meetings.MeetingViews.as_view(DETAIL), name="api-meeting"),
    path("v1/follow-ups/", meetings.FollowUpViews.as_view(LIST), name="api-follow-ups"),
    path(
        "v1/follow-ups/<int:pk>/",
        meetings.FollowUpViews.as_view(DETAIL),
        name="api-follow-up",
    ),
    path("v1/updates/", meetings.UpdateViews.as_view(LIST), name="api-updates"),
    path("v1/updates/<slug:slug>/", meetings.UpdateViews.as_view(DETAIL), name="api-update"),
]
