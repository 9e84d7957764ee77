"""The footer's pages: accessibility statement and glossary (included from citystat/urls.py)."""

from django.urls import path

from citystat.public import about

urlpatterns = [
    path("accessibility/", about.accessibility, name="accessibility"),
    path("glossary/", about.glossary, name="glossary"),
]
