from django.apps import AppConfig


class PlanConfig(AppConfig):
    name = "citystat.plan"
