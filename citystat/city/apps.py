from django.apps import AppConfig


class CityConfig(AppConfig):
    name = "citystat.city"
    verbose_name = "City profile"
