from django.urls import path

from citystat.surveys import views

urlpatterns = [
    path("surveys/", views.survey_list, name="surveys"),
    path("surveys/<slug:slug>/", views.survey_detail, name="survey"),
]
