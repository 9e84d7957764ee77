from django.urls import path

from citystat.public import priority_picks

urlpatterns = [
    path("priorities/pick/results/", priority_picks.pick_results, name="pick-results"),
]
