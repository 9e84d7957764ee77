"""Routes of the REST API (/api/v1/…), its OpenAPI document and its browsable docs."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from citystat.api.rest import meetings, views

LIST = {"get": "list"}
DETAIL = {"get": "retrieve"}

urlpatterns = [
    path("api/schema", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="api/swagger_ui.html"
        ),
        name="api-docs",
    ),
    path(
        "api/v1/priority-areas/",
        views.PriorityAreaViews.as_view(LIST),
        name="api-priority-areas",
    ),
    path(
        "api/v1/priority-areas/<int:pk>/",
        views.PriorityAreaViews.as_view(DETAIL),
        name="api-priority-area",
    ),
    path("api/v1/goals/", views.GoalViews.as_view(LIST), name="api-goals"),
    path("api/v1/goals/<int:pk>/", views.GoalViews.as_view(DETAIL), name="api-goal"),
    path("api/v1/measures/", views.MeasureViews.as_view(LIST), name="api-measures"),
    path("api/v1/measures/<slug:slug>/", views.MeasureViews.as_view(DETAIL), name="api-measure"),
    path(
        "api/v1/measures/<slug:slug>/values/",
        views.MeasureValueViews.as_view({"get": "list", "post": "create"}),
        name="api-measure-values",
    ),
    path(
        "api/v1/measures/<slug:slug>/narratives/",
        views.NarrativeViews.as_view(LIST),
        name="api-measure-narratives",
    ),
    path(
        "api/v1/measures/<slug:slug>/narratives/<str:period>/",
        views.NarrativeViews.as_view({"get": "retrieve", "put": "update"}),
        name="api-measure-narrative",
    ),
    path(
        "api/v1/measures/<slug:slug>/targets/",
        views.TargetViews.as_view(LIST),
        name="api-measure-targets",
    ),
    path(
        "api/v1/measures/<slug:slug>/targets/<int:fiscal_year>/",
        views.TargetViews.as_view({"put": "update"}),
        name="api-measure-target",
    ),
    path("api/v1/meetings/", meetings.MeetingViews.as_view(LIST), name="api-meetings"),
    path("api/v1/meetings/<int:pk>/", meetings.MeetingViews.as_view(DETAIL), name="api-meeting"),
    path("api/v1/follow-ups/", meetings.FollowUpViews.as_view(LIST), name="api-follow-ups"),
    path(
        "api/v1/follow-ups/<int:pk>/",
        meetings.FollowUpViews.as_view(DETAIL),
        name="api-follow-up",
    ),
    path("api/v1/updates/", meetings.UpdateViews.as_view(LIST), name="api-updates"),
    path("api/v1/updates/<slug:slug>/", meetings.UpdateViews.as_view(DETAIL), name="api-update"),
]
