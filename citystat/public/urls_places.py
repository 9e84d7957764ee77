"""Neighborhood, district, search and "how we measure" pages (included from citystat/urls.py)."""

from django.urls import path

from citystat.public import how_we_measure, places, search

urlpatterns = [
    path("neighborhoods/", places.neighborhood_list, name="neighborhoods"),
    path("neighborhoods/<slug:slug>/", places.neighborhood_detail, name="neighborhood"),
    path("neighborhoods/<slug:slug>/feed.atom", places.neighborhood_feed, name="neighborhood-feed"),
    path("districts/<slug:slug>/", places.district_detail, name="district"),
    path("districts/<slug:slug>/feed.atom", places.district_feed, name="district-feed"),
    path("search/", search.search_page, name="search"),
    path("how-we-measure/", how_we_measure.how_we_measure, name="how-we-measure"),
]
