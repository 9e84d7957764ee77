"""The city's strategic plan: priority areas → goals → objectives → measures → targets."""

from __future__ import annotations

from django.db import models

from citystat.catalog.models import Dataset
from citystat.city.models import Department


class Plan(models.Model):
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    first_fiscal_year = models.PositiveSmallIntegerField()
    last_fiscal_year = models.PositiveSmallIntegerField()
    is_current = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_current", "-first_fiscal_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"], condition=models.Q(is_current=True), name="one_current_plan"
            ),
            models.CheckConstraint(
                condition=models.Q(last_fiscal_year__gte=models.F("first_fiscal_year")),
                name="plan_years_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @classmethod
    def current(cls) -> Plan | None:
        return cls.objects.filter(is_current=True).first()


class PriorityArea(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="priority_areas")
    slug = models.SlugField(max_length=80)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["plan", "position", "title"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "slug"], name="priority_area_slug_per_plan")
        ]

    def __str__(self) -> str:
        return self.title


class Goal(models.Model):
    priority_area = models.ForeignKey(PriorityArea, on_delete=models.CASCADE, related_name="goals")
    slug = models.SlugField(max_length=80)
    title = models.CharField(max_length=300)
    summary = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["priority_area", "position", "title"]
        constraints = [
            models.UniqueConstraint(fields=["priority_area", "slug"], name="goal_slug_per_area")
        ]

    def __str__(self) -> str:
        return self.title


class Objective(models.Model):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="objectives")
    title = models.CharField(max_length=300)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["goal", "position", "title"]

    def __str__(self) -> str:
        return self.title


class Measure(models.Model):
    class Unit(models.TextChoices):
        COUNT = "count", "count"
        PERCENT = "percent", "percent"
        DAYS = "days", "days"
        DOLLARS = "dollars", "dollars"
        RATE_PER_1000 = "rate_per_1000", "per 1,000 residents"
        SCORE = "score", "score"

    class Direction(models.TextChoices):
        HIGHER_IS_BETTER = "higher", "Higher is better"
        LOWER_IS_BETTER = "lower", "Lower is better"
        WITHIN_RANGE = "range", "Stay within a range"

    class Frequency(models.TextChoices):
        MONTH = "month", "Monthly"
        QUARTER = "quarter", "Quarterly"
        FISCAL_YEAR = "fiscal_year", "Each fiscal year"
        YEAR = "year", "Each calendar year"

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="measures")
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=300)
    definition = models.TextField(help_text="What the measure counts, in plain words.")
    unit = models.CharField(max_length=20, choices=Unit.choices)
    direction = models.CharField(max_length=10, choices=Direction.choices)
    frequency = models.CharField(max_length=20, choices=Frequency.choices)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="measures", null=True, blank=True
    )
    dataset = models.ForeignKey(
        Dataset, on_delete=models.PROTECT, related_name="measures", null=True, blank=True
    )
    baseline_value = models.FloatField(null=True, blank=True)
    baseline_label = models.CharField(max_length=40, blank=True, help_text="For example FY2024.")
    is_public = models.BooleanField(default=True)
    is_headline = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["objective", "position", "title"]

    def __str__(self) -> str:
        return self.title


class Target(models.Model):
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="targets")
    fiscal_year = models.PositiveSmallIntegerField()
    value = models.FloatField()
    tolerance = models.FloatField(
        default=0, help_text="How far from the target still counts as on track, in the unit."
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["measure", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "fiscal_year"], name="one_target_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.measure} FY{self.fiscal_year}: {self.value:g}"
