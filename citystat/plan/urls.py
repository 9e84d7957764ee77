"""Mounted under staff/ by citystat/urls.py: the paths below are relative to it."""

from django.urls import path

from citystat.plan import bulk_views, editor_views, goal_narrative_views, views

urlpatterns = [
    path("measures/", views.measure_list, name="staff-measures"),
    path("measures/<slug:slug>/", views.measure_detail, name="staff-measure"),
    path("measures/<slug:slug>/values/", views.add_values, name="staff-measure-values"),
    path(
        "measures/<slug:slug>/narrative/",
        views.save_narrative,
        name="staff-measure-narrative",
    ),
    path("measures/<slug:slug>/targets/", views.save_target, name="staff-measure-target"),
    path(
        "measures/<slug:slug>/narratives/<str:period>/review/",
        views.review_narrative,
        name="staff-narrative-review",
    ),
    path("reporting/", views.reporting, name="staff-reporting"),
]

# The plan editor and the measure builder (citystat/plan/editor_views.py).
urlpatterns += [
    path("plan/", editor_views.plan_editor, name="staff-plan"),
    path("plan/areas/new/", editor_views.area_new, name="staff-plan-area-new"),
    path("plan/areas/<int:pk>/", editor_views.area_edit, name="staff-plan-area"),
    path("plan/areas/<int:pk>/goals/new/", editor_views.goal_new, name="staff-plan-goal-new"),
    # Goals by their slugs: a goal is unique by slug within its priority area.
    path("plan/goals/<slug:area>/<slug:goal>/", editor_views.goal_edit, name="staff-plan-goal"),
    path(
        "plan/goals/<slug:area>/<slug:goal>/objectives/new/",
        editor_views.objective_new,
        name="staff-plan-objective-new",
    ),
    path(
        "plan/goals/<slug:area>/<slug:goal>/strategies/new/",
        editor_views.strategy_new,
        name="staff-plan-strategy-new",
    ),
    path("plan/objectives/<int:pk>/", editor_views.objective_edit, name="staff-plan-objective"),
    path(
        "plan/objectives/<int:pk>/measures/new/",
        editor_views.measure_new,
        name="staff-plan-measure-new",
    ),
    path("plan/strategies/<int:pk>/", editor_views.strategy_edit, name="staff-plan-strategy"),
    path("plan/measures/<slug:slug>/", editor_views.measure_edit, name="staff-plan-measure"),
    path("plan/builder/", editor_views.builder, name="staff-plan-builder"),
    path(
        "plan/goals/<slug:area>/<slug:goal>/narratives/",
        goal_narrative_views.goal_narratives,
        name="staff-plan-goal-narratives",
    ),
    path(
        "plan/goals/<slug:area>/<slug:goal>/narratives/<str:period>/review/",
        goal_narrative_views.goal_narrative_review,
        name="staff-plan-goal-narrative-review",
    ),
]
# Bulk work on the measure list (citystat/plan/bulk_views.py): not under staff/measures/,
# where a measure slugged "bulk" would hide the page.
urlpatterns += [
    path("bulk/measures/", bulk_views.bulk_change, name="staff-measures-bulk"),
    path("bulk/values/", bulk_views.values_upload, name="staff-measures-values-upload"),
]
for kind, model in editor_views.KINDS.items():
    urlpatterns += [
        path(
            f"plan/{kind}/<int:pk>/move/",
            editor_views.mover(model),
            name=f"staff-plan-{kind}-move",
        ),
        path(
            f"plan/{kind}/<int:pk>/retire/",
            editor_views.retirer(model),
            name=f"staff-plan-{kind}-retire",
        ),
    ]
