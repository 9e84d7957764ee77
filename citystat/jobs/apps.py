from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "citystat.jobs"
    label = "jobs"
    verbose_name = "Scheduled job runs"
