"""The residents' site: every URL of citystat/public, by subject (views/*.py).

Mounted at "" from citystat/urls.py: its pages sit at the site's top level (/, /measures/,
/neighborhoods/, /search/ …), so they share no prefix.
"""

from django.urls import path

from citystat.public.views import about, method, places, plan, search

NEIGHBORHOOD = {"kind": "neighborhood"}
DISTRICT = {"kind": "district"}

urlpatterns = [
    # The plan (views/plan.py).
    path("", plan.home, name="home"),
    path("priorities/", plan.priority_areas, name="priority-areas"),
    path("priorities/pick/results/", plan.pick_results, name="pick-results"),
    path("headline-measures/", plan.headline_measures, name="headline-measures"),
    path("priorities/<str:slug>/", plan.priority_area, name="priority-area"),
    path("goals/<str:slug>/", plan.goal, name="goal"),
    path("measures/<str:slug>/", plan.measure, name="measure"),
    path(
        "measures/<str:slug>/values.csv",
        plan.measure_values,
        {"fmt": "csv"},
        name="measure-values-csv",
    ),
    path(
        "measures/<str:slug>/values.json",
        plan.measure_values,
        {"fmt": "json"},
        name="measure-values-json",
    ),
    path("measures/<str:slug>/card.png", plan.measure_card_png, name="measure-card"),
    path("embed/measures/<str:slug>/", plan.measure_embed, name="measure-embed"),
    # Places (views/places.py).
    path("neighborhoods/", places.neighborhood_list, name="neighborhoods"),
    path("neighborhoods/<slug:slug>/", places.place_page, NEIGHBORHOOD, name="neighborhood"),
    path(
        "neighborhoods/<slug:slug>/feed.atom",
        places.place_feed,
        NEIGHBORHOOD,
        name="neighborhood-feed",
    ),
    path("districts/<slug:slug>/", places.place_page, DISTRICT, name="district"),
    path("districts/<slug:slug>/feed.atom", places.place_feed, DISTRICT, name="district-feed"),
    path("near-me/", places.near_me, name="near-me"),
    # Search and method (views/search.py, views/method.py).
    path("search/", search.search_page, name="search"),
    path("how-we-measure/", method.how_we_measure, name="how-we-measure"),
    # The footer's pages (views/about.py).
    path("accessibility/", about.accessibility, name="accessibility"),
    path("glossary/", about.glossary, name="glossary"),
    path("language/", about.switch_language, name="switch_language"),
]
