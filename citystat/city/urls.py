from django.urls import path

from citystat.city import views

urlpatterns = [
    path("city/logo", views.logo, name="city-logo"),
]
