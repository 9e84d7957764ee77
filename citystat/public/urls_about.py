"""The footer's pages: accessibility statement, glossary and language switch (included
from citystat/urls.py)."""

from django.urls import path

from citystat.public import about, language

urlpatterns = [
    path("accessibility/", about.accessibility, name="accessibility"),
    path("glossary/", about.glossary, name="glossary"),
    path("language/", language.switch_language, name="switch_language"),
]
