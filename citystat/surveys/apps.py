from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "citystat.surveys"
    verbose_name = "Surveys"
