from django.urls import path

from citystat.surveys import views

urlpatterns = [
    path("surveys/", views.survey_list, name="surveys"),
    path("surveys/<slug:slug>/", views.survey_detail, name="survey"),
    path("services/", views.service_list, name="services"),
    path("services/<slug:slug>/", views.service_detail, name="service"),
    path("budget/", views.budget_explorer, name="budget"),
    path("staff/surveys/<slug:slug>/", views.staff_survey, name="staff-survey"),
]
