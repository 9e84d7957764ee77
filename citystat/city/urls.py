"""Mounted under city/ by citystat/urls.py: the paths below are relative to it."""

from django.urls import path

from citystat.city import views

urlpatterns = [
    path("logo", views.logo, name="city-logo"),
]
