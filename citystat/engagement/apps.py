from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "citystat.engagement"
    verbose_name = "Resident engagement"
