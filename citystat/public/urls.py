from django.urls import path

from citystat.public import views

urlpatterns = [
    path("", views.home, name="home"),
]
