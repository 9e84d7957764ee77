"""Mounted under compare/ by citystat/urls.py: the paths below are relative to it."""

from django.urls import path

from citystat.peers import views

urlpatterns = [
    path("", views.compare_list, name="compare"),
    path("<slug:slug>/", views.measure_comparison, name="compare-measure"),
    path("<slug:slug>/panel/", views.measure_panel, name="compare-measure-panel"),
]
