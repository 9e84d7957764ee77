"""Surveys the city runs and how their items tie to the plan."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from citystat.catalog.models import Dataset
from citystat.plan.models import Goal, Measure
from citystat.surveys.definition import SurveyDefinition, parse_definition


class Survey(models.Model):
    class Kind(models.TextChoices):
        RESIDENT = "resident", _("Resident survey")
        EMPLOYEE = "employee", _("Employee survey")

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="surveys")
    definition = models.JSONField(help_text="The survey definition as imported from YAML.")
    is_public = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "title"]

    def __str__(self) -> str:
        return self.title

    def layout(self) -> SurveyDefinition:
        return parse_definition(self.definition, f"survey {self.slug}")


class ItemLink(models.Model):
    """A survey item tied to the plan: the goal or measure that answers it."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="links")
    item = models.CharField(max_length=60, help_text="The item's column, such as q3_03.")
    goal = models.ForeignKey(
        Goal, on_delete=models.CASCADE, related_name="survey_links", null=True, blank=True
    )
    measure = models.ForeignKey(
        Measure, on_delete=models.CASCADE, related_name="survey_links", null=True, blank=True
    )
    is_focus = models.BooleanField(
        default=False, help_text="The plan chose to focus on improving this service."
    )

    class Meta:
        ordering = ["survey", "item"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(goal__isnull=False) | models.Q(measure__isnull=False),
                name="item_link_names_goal_or_measure",
            )
        ]

    def __str__(self) -> str:
        return f"{self.survey.slug}:{self.item} → {self.goal or self.measure}"


class ServiceProfile(models.Model):
    """One service's evidence page: which survey item, 311 types, staff and budget it is."""

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    resident_survey = models.ForeignKey(
        Survey, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    employee_survey = models.ForeignKey(
        Survey, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    definition = models.JSONField(help_text="Item, department, division and data sources.")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "title"]

    def __str__(self) -> str:
        return self.title
