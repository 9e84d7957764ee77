"""The city's strategic plan: priority areas → goals → objectives → measures → targets."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from typing import Any, ClassVar, Self, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from citystat.catalog.models import Dataset, DatasetVersion
from citystat.city.models import Department
from citystat.city.translations import TranslationError, validate_translations
from citystat.lib.errors import CitystatError
from citystat.lib.periods import GRAINS, FiscalCalendar, Grain, PeriodError, parse_period


class TargetChangeError(CitystatError):
    pass


class NarrativePeriodError(CitystatError):
    pass


# How each grain's period label is written, for the sentence that refuses another.
PERIOD_EXAMPLES: dict[str, str] = {
    "day": "a day such as 2026-10-05",
    "week": "an ISO week such as 2026-W41",
    "month": "a month such as 2026-10",
    "quarter": "a quarter such as 2026-Q1",
    "fiscal_year": "a fiscal year such as FY2026",
    "year": "a calendar year such as 2026",
}


class Status(models.TextChoices):
    ON_TRACK = "on_track", _("On track")
    NEEDS_ATTENTION = "needs_attention", _("Needs attention")
    OFF_TRACK = "off_track", _("Off track")
    NO_RECENT_DATA = "no_recent_data", _("No recent data")
    # A value exists but nothing to judge it by: the plan sets no target for the period.
    NO_TARGET = "no_target", _("Target pending")


class Plan(models.Model):
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    first_fiscal_year = models.PositiveSmallIntegerField()
    last_fiscal_year = models.PositiveSmallIntegerField()
    # A city publishing a past year's report judges measures on periods ending by this
    # day (citystat/plan/status.py, status_for), not on the newest data.
    as_of = models.DateField(
        null=True,
        blank=True,
        help_text="Judge measures on periods ending on or before this day (a past report).",
    )
    is_current = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

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


class Translatable(models.Model):
    """Plan content that can be written in each of the city's languages.

    The default language's text stays in the model's own fields; `translations` holds the
    others, `{"es": {"title": "…"}}`, read through citystat/city/translations.py
    `localized()`. It is a tracked field, so simple_history records who changed a
    translation, when and why, with every other edit.
    """

    TRANSLATABLE: ClassVar[tuple[str, ...]] = ()

    translations = models.JSONField(
        default=dict,
        blank=True,
        help_text='Text in the city\'s other languages: {"es": {"title": "…"}}.',
    )

    class Meta:
        abstract = True

    def clean_fields(self, exclude: Collection[str] | None = None) -> None:
        super().clean_fields(exclude=exclude)
        try:
            self.translations = validate_translations(self.translations, self.TRANSLATABLE)
        except TranslationError as error:
            raise ValidationError({"translations": str(error)}) from None


class PriorityArea(Translatable):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="priority_areas")
    slug = models.SlugField(max_length=80)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    TRANSLATABLE = ("title", "summary")
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "position", "title"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "slug"], name="priority_area_slug_per_plan")
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("priority-area", args=[self.slug])


class Goal(Translatable):
    priority_area = models.ForeignKey(PriorityArea, on_delete=models.CASCADE, related_name="goals")
    slug = models.SlugField(max_length=80)
    title = models.CharField(max_length=300)
    summary = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    TRANSLATABLE = ("title", "summary")
    history = HistoricalRecords()

    class Meta:
        ordering = ["priority_area", "position", "title"]
        constraints = [
            models.UniqueConstraint(fields=["priority_area", "slug"], name="goal_slug_per_area")
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("goal", args=[self.slug])


class Objective(Translatable):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="objectives")
    title = models.CharField(max_length=300)
    position = models.PositiveSmallIntegerField(default=0)
    TRANSLATABLE = ("title",)
    history = HistoricalRecords()

    class Meta:
        ordering = ["goal", "position", "title"]

    def __str__(self) -> str:
        return self.title


# Raised when computing the same spec stores other values, so that an upgrade's
# `citystat compute --changed` recomputes every measure once: 2 marks partial periods for
# every aggregate (#20), not for counts and sums only.
COMPUTE_RULES = 2


class Measure(Translatable):
    class Unit(models.TextChoices):
        COUNT = "count", _("count")
        PERCENT = "percent", _("percent")
        DAYS = "days", _("days")
        DOLLARS = "dollars", _("dollars")
        RATE_PER_1000 = "rate_per_1000", _("per 1,000 residents")
        SCORE = "score", _("score")

    class Direction(models.TextChoices):
        HIGHER_IS_BETTER = "higher", _("Higher is better")
        LOWER_IS_BETTER = "lower", _("Lower is better")
        WITHIN_RANGE = "range", _("Stay within a range")

    class Frequency(models.TextChoices):
        DAY = "day", _("Daily")
        WEEK = "week", _("Weekly")
        MONTH = "month", _("Monthly")
        QUARTER = "quarter", _("Quarterly")
        FISCAL_YEAR = "fiscal_year", _("Each fiscal year")
        YEAR = "year", _("Each calendar year")

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
    owner_name = models.CharField(
        max_length=120, blank=True, help_text="The person who answers for the measure."
    )
    spec = models.JSONField(
        default=dict,
        blank=True,
        help_text="How the measure is computed from its dataset (docs/measures.md); "
        "empty for a measure whose values staff enter.",
    )
    data_source = models.CharField(
        max_length=300, blank=True, help_text="Where entered values come from, in plain words."
    )
    baseline_value = models.FloatField(null=True, blank=True)
    baseline_label = models.CharField(max_length=40, blank=True, help_text="For example FY2024.")
    is_public = models.BooleanField(default=True)
    is_headline = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)
    # The digest of the spec its stored values were computed from (spec_digest): after an
    # upgrade or an edit, `citystat compute --changed` recomputes only where it differs.
    computed_spec_digest = models.CharField(max_length=64, blank=True, editable=False)
    TRANSLATABLE = ("title", "definition", "data_source")
    history = HistoricalRecords(excluded_fields=["computed_spec_digest"])

    class Meta:
        ordering = ["objective", "position", "title"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save, refusing a public measure whose spec reads a withheld column.

        The plan importer and the admin form check first and say so nicely; this is the
        backstop for every other way in (docs/security.md, "Measures and withheld columns").
        """
        if self.is_public and self.spec:
            # Imported here: the spec compiler loads Ibis, which every command would
            # otherwise pay for at start-up (#23).
            from citystat.plan.compute.spec import refuse_withheld_columns  # noqa: PLC0415

            refuse_withheld_columns(self.slug, self.spec, *self.spec_context())
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("measure", args=[self.slug])

    def spec_context(self) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
        """Return the dataset schemas and every measure's spec (this one's as it is now)."""
        schemas = dict(Dataset.objects.values_list("slug", "table_schema"))
        specs = dict(Measure.objects.exclude(pk=self.pk).values_list("slug", "spec"))
        return schemas, {**specs, self.slug: self.spec}

    @property
    def is_manual(self) -> bool:
        return not self.spec

    @property
    def spec_digest(self) -> str:
        """Return a digest of the spec that changes whenever its meaning can."""
        canonical = json.dumps(
            {"rules": COMPUTE_RULES, "spec": self.spec}, sort_keys=True, separators=(",", ":")
        )
        return hashlib.sha256(canonical.encode()).hexdigest()

    @property
    def grain(self) -> Grain:
        """Return the grain the measure is reported by: its spec's, else its frequency's."""
        grain = (self.spec.get("grain") if self.spec else None) or self.frequency
        return next((known for known in GRAINS if known == grain), "month")


class Target(models.Model):
    """The value a measure aims for from a fiscal year on, and how its status is judged."""

    class Style(models.TextChoices):
        PROXIMITY = "proximity", _("Within ± tolerance of the target")
        BANDS = "bands", _("Above or below thresholds")

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="targets")
    fiscal_year = models.PositiveSmallIntegerField()
    value = models.FloatField()
    style = models.CharField(max_length=10, choices=Style.choices, default=Style.PROXIMITY)
    tolerance = models.FloatField(
        default=0, help_text="How far from the target still counts as on track, in the unit."
    )
    off_track_at = models.FloatField(
        null=True,
        blank=True,
        help_text="Bands style: the value past which the measure is off track.",
    )
    note = models.CharField(max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["measure", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "fiscal_year"], name="one_target_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.measure} FY{self.fiscal_year}: {self.value:g}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save, refusing to move an existing target without a reason (goalposts move openly)."""
        if self.pk and not getattr(self, "_change_reason", ""):
            before = Target.objects.filter(pk=self.pk).values(*JUDGED_FIELDS).first()
            if before and any(before[name] != getattr(self, name) for name in JUDGED_FIELDS):
                raise TargetChangeError(
                    f"changing the FY{self.fiscal_year} target of {self.measure.slug!r} "
                    "needs a reason; it is shown with the target's history."
                )
        super().save(*args, **kwargs)


JUDGED_FIELDS = ("value", "style", "tolerance", "off_track_at")


class MeasureValue(models.Model):
    """A measure's value for one period, overall or for one breakdown value."""

    class Origin(models.TextChoices):
        COMPUTED = "computed", _("Computed from the dataset")
        ENTERED = "entered", _("Entered by staff")

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="values")
    period = models.CharField(
        max_length=10, help_text="2025-03-04, 2025-W10, 2025-03, 2025-Q1, FY2025 or 2025."
    )
    period_start = models.DateField()
    period_end = models.DateField()
    # Both empty for the overall value; otherwise the field and the value broken down by.
    breakdown = models.CharField(max_length=63, blank=True, default="")
    breakdown_value = models.CharField(max_length=200, blank=True, default="")
    value = models.FloatField(null=True, blank=True, help_text="Empty when it cannot be known.")
    numerator = models.FloatField(null=True, blank=True)
    denominator = models.FloatField(null=True, blank=True)
    is_partial = models.BooleanField(
        default=False, help_text="The data does not yet cover the period to its end."
    )
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.COMPUTED)
    dataset_version = models.ForeignKey(
        DatasetVersion, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source_note = models.CharField(
        max_length=300,
        blank=True,
        help_text="Where an entered value came from, or why a computed period has no value.",
    )
    # Survey measures: the 95% confidence interval of the value (Wilson, with Kish's
    # effective sample size when the survey is weighted), in the measure's unit, and the
    # number of respondents behind it. Empty for every other measure.
    ci_lower = models.FloatField(null=True, blank=True)
    ci_upper = models.FloatField(null=True, blank=True)
    ci_n = models.PositiveIntegerField(
        null=True, blank=True, help_text="Respondents behind a survey value."
    )
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["measure", "period_start", "breakdown", "breakdown_value"]
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "period", "breakdown", "breakdown_value"],
                name="one_value_per_period_and_breakdown",
            )
        ]
        indexes = [models.Index(fields=["measure", "breakdown", "period_start"])]

    def __str__(self) -> str:
        where = f" {self.breakdown}={self.breakdown_value}" if self.breakdown else ""
        return f"{self.measure.slug} {self.period}{where}: {self.value}"


_Narrative = TypeVar("_Narrative", bound="NarrativeText")


class NarrativeQuerySet(models.QuerySet[_Narrative]):
    def approved(self) -> Self:
        """Only what the performance office approved: the one set residents ever see."""
        return self.filter(state=NarrativeText.State.APPROVED)


class NarrativeText(Translatable):
    """The sections, review state and reviewer shared by measure and goal narratives.

    A draft until the performance office approves it or returns it with comments
    (docs/plan.md, "The reporting cycle"); only approved narratives are public. Editing
    the text makes it a draft again (save below), so new words are never public unreviewed.
    """

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft, waiting for review")
        RETURNED = "returned", _("Returned with comments")
        APPROVED = "approved", _("Approved and public")

    period = models.CharField(max_length=10)
    context = models.TextField(help_text="What drove the change.")
    actions = models.TextField(blank=True, help_text="What the department is doing.")
    next_steps = models.TextField(blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    review_comment = models.TextField(
        blank=True, help_text="What the performance office asks to change, when returned."
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    TRANSLATABLE = ("context", "actions", "next_steps")

    objects = NarrativeQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk and self.state != NarrativeText.State.DRAFT:
            manager = type(self)._default_manager
            # A translation is new words too.
            watched = (*NARRATIVE_TEXT, "translations")
            before = manager.filter(pk=self.pk).values(*watched).first()
            if before and any(before[name] != getattr(self, name) for name in watched):
                # New words have not been reviewed: off the public pages until approved.
                self.state = NarrativeText.State.DRAFT
        super().save(*args, **kwargs)


class Narrative(NarrativeText):
    """The department's story of a measure for one period."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="narratives")
    history = HistoricalRecords()

    class Meta:
        ordering = ["measure", "-period"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "period"], name="one_narrative_per_period")
        ]
        permissions = [("approve_narrative", "Approve or return narratives (performance office)")]

    def __str__(self) -> str:
        return f"{self.measure.slug} {self.period}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save, refusing a period that is not one of the measure's (the public page shows
        the newest narrative, so a made-up label would become its "latest")."""
        self.period = narrative_period(self.measure, self.period)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.measure_id is None:
            return  # the form reports the missing measure
        try:
            self.period = narrative_period(self.measure, self.period)
        except NarrativePeriodError as error:
            raise ValidationError({"period": str(error)}) from None


class GoalNarrative(NarrativeText):
    """The story of a goal as a whole for one period: the same sections and review as a
    measure's narrative (`plan.approve_narrative` approves both).

    A goal has no frequency of its own, so its period is any period label (a month, a
    quarter, a fiscal year…); the public goal page shows the approved one whose period
    ends last (citystat/plan/goal_narratives.py).
    """

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="narratives")
    history = HistoricalRecords()

    class Meta:
        ordering = ["goal", "-period"]
        constraints = [
            models.UniqueConstraint(fields=["goal", "period"], name="one_goal_narrative_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.goal.slug} {self.period}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save, refusing a period label that is none of the calendar's."""
        self.period = goal_narrative_period(self.period)
        super().save(*args, **kwargs)


NARRATIVE_TEXT = ("context", "actions", "next_steps")


class ReportingReminder(models.Model):
    """One reminder about one measure's period, sent once to one person (citystat remind).

    `kind` is what the reminder said: due, overdue or returned; each goes out at most once
    per person, measure and period, however often cron runs the command.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="+")
    period = models.CharField(max_length=10)
    kind = models.CharField(max_length=10)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "measure", "period", "kind"], name="one_reminder_per_duty"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.measure_id} {self.period} {self.kind}"


def narrative_period(measure: Measure, period: str) -> str:
    """Return `period` as the label of one of `measure`'s periods, or raise NarrativePeriodError."""
    try:
        # A label's form does not depend on when the fiscal year starts.
        parsed = parse_period(str(period), FiscalCalendar())
    except PeriodError:
        parsed = None
    if parsed is None or parsed.grain != measure.grain:
        raise NarrativePeriodError(
            f"measure {measure.slug!r}: the narrative's period {str(period)!r} is not "
            f"{PERIOD_EXAMPLES[measure.grain]}, as the measure is reported by "
            f"{measure.grain.replace('_', ' ')}."
        )
    return parsed.label


def goal_narrative_period(period: str) -> str:
    """Return `period` as a period label (2026-10, 2026-Q1, FY2026…) or raise
    NarrativePeriodError saying the forms it may take."""
    try:
        # A label's form does not depend on when the fiscal year starts.
        return parse_period(str(period).strip(), FiscalCalendar()).label
    except PeriodError:
        raise NarrativePeriodError(
            f"the goal narrative's period {str(period)!r} is not a period such as 2026-10, "
            "2026-Q1, FY2026 or 2026."
        ) from None


class Strategy(Translatable):
    """An initiative the city runs to move a goal's measures."""

    class Progress(models.TextChoices):
        PLANNED = "planned", _("Planned")
        UNDER_WAY = "under_way", _("Under way")
        COMPLETE = "complete", _("Complete")
        ON_HOLD = "on_hold", _("On hold")

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="strategies")
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    progress = models.CharField(max_length=10, choices=Progress.choices, default=Progress.PLANNED)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="strategies"
    )
    measures = models.ManyToManyField(Measure, blank=True, related_name="strategies")
    position = models.PositiveSmallIntegerField(default=0)
    TRANSLATABLE = ("title", "description")
    history = HistoricalRecords()

    class Meta:
        ordering = ["goal", "position", "title"]
        verbose_name_plural = "strategies"

    def __str__(self) -> str:
        return self.title
