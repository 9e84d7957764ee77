from django.urls import path

from citystat.plan import bulk_views, editor_views, goal_narrative_views, views

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

# The plan editor and the measure builder (citystat/plan/editor_views.py).
urlpatterns += [
    path("staff/plan/", editor_views.plan_editor, name="staff-plan"),
    path("staff/plan/areas/new/", editor_views.area_new, name="staff-plan-area-new"),
    path("staff/plan/areas/<int:pk>/", editor_views.area_edit, name="staff-plan-area"),
    path("staff/plan/areas/<int:pk>/goals/new/", editor_views.goal_new, name="staff-plan-goal-new"),
    # Goals by their slugs: a goal is unique by slug within its priority area.
    path(
        "staff/plan/goals/<slug:area>/<slug:goal>/", editor_views.goal_edit, name="staff-plan-goal"
    ),
    path(
        "staff/plan/goals/<slug:area>/<slug:goal>/objectives/new/",
        editor_views.objective_new,
        name="staff-plan-objective-new",
    ),
    path(
        "staff/plan/goals/<slug:area>/<slug:goal>/strategies/new/",
        editor_views.strategy_new,
        name="staff-plan-strategy-new",
    ),
    path(
        "staff/plan/objectives/<int:pk>/", editor_views.objective_edit, name="staff-plan-objective"
    ),
    path(
        "staff/plan/objectives/<int:pk>/measures/new/",
        editor_views.measure_new,
        name="staff-plan-measure-new",
    ),
    path("staff/plan/strategies/<int:pk>/", editor_views.strategy_edit, name="staff-plan-strategy"),
    path("staff/plan/measures/<slug:slug>/", editor_views.measure_edit, name="staff-plan-measure"),
    path("staff/plan/builder/", editor_views.builder, name="staff-plan-builder"),
    path(
        "staff/plan/goals/<slug:area>/<slug:goal>/narratives/",
        goal_narrative_views.goal_narratives,
        name="staff-plan-goal-narratives",
    ),
    path(
        "staff/plan/goals/<slug:area>/<slug:goal>/narratives/<str:period>/review/",
        goal_narrative_views.goal_narrative_review,
        name="staff-plan-goal-narrative-review",
    ),
]
# Bulk work on the measure list (citystat/plan/bulk_views.py): not under staff/measures/,
# where a measure slugged "bulk" would hide the page.
urlpatterns += [
    path("staff/bulk/measures/", bulk_views.bulk_change, name="staff-measures-bulk"),
    path("staff/bulk/values/", bulk_views.values_upload, name="staff-measures-values-upload"),
]
for kind, model in editor_views.KINDS.items():
    urlpatterns += [
        path(
            f"staff/plan/{kind}/<int:pk>/move/",
            editor_views.mover(model),
            name=f"staff-plan-{kind}-move",
        ),
        path(
            f"staff/plan/{kind}/<int:pk>/retire/",
            editor_views.retirer(model),
            name=f"staff-plan-{kind}-retire",
        ),
    ]
