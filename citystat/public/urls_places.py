"""Neighborhood, district, search and "how we measure" pages (included from citystat/urls.py)."""

from django.urls import path

from citystat.public import how_we_measure, near_me, places, search

NEIGHBORHOOD = {"kind": "neighborhood"}
DISTRICT = {"kind": "district"}

urlpatterns = [
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
    path("near-me/", near_me.near_me, name="near-me"),
    path("search/", search.search_page, name="search"),
    path("how-we-measure/", how_we_measure.how_we_measure, name="how-we-measure"),
]
