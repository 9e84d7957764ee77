"""Council exports: the plan, a priority area or a goal as an Excel workbook, a
PowerPoint deck and an annual performance report (PDF)."""

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "citystat.reports"
    verbose_name = "Council exports"
