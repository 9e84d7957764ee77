from django.urls import path

from citystat.peers import views

urlpatterns = [
    path("compare/", views.compare_list, name="compare"),
    path("compare/<slug:slug>/", views.measure_comparison, name="compare-measure"),
    path("compare/<slug:slug>/panel/", views.measure_panel, name="compare-measure-panel"),
]
