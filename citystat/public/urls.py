from django.urls import path

from citystat.public import plan_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("priorities/", plan_views.priority_areas, name="priority-areas"),
    path("headline-measures/", plan_views.headline_measures, name="headline-measures"),
    path("priorities/<str:slug>/", plan_views.priority_area, name="priority-area"),
    path("goals/<str:slug>/", plan_views.goal, name="goal"),
    path("measures/<str:slug>/", plan_views.measure, name="measure"),
    path(
        "measures/<str:slug>/values.csv",
        plan_views.measure_values,
        {"fmt": "csv"},
        name="measure-values-csv",
    ),
    path(
        "measures/<str:slug>/values.json",
        plan_views.measure_values,
        {"fmt": "json"},
        name="measure-values-json",
    ),
    path("measures/<str:slug>/card.png", plan_views.measure_card_png, name="measure-card"),
    path("embed/measures/<str:slug>/", plan_views.measure_embed, name="measure-embed"),
]
