from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "citystat.meetings"
    verbose_name = "Stat meetings"
