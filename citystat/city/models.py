"""The city itself: its profile, departments and boundary layers."""

from __future__ import annotations

import datetime as dt
import time
import zoneinfo
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from citystat.lib.fields import URLField
from citystat.lib.periods import FiscalCalendar


def validate_time_zone(name: str) -> None:
    if name not in zoneinfo.available_timezones():
        raise ValidationError(f"{name!r} is not a time zone name such as America/Chicago.")


PROFILE_TTL_SECONDS = 10.0
# [loaded at (monotonic seconds), profile]: one per process, see CityProfile.current().
_current_profile: list[Any] = [0.0, None]


def forget_current_profile() -> None:
    """Make the next `CityProfile.current()` read the database."""
    _current_profile[:] = [0.0, None]


class CityProfile(models.Model):
    """The one city this installation serves; every part reads it through `current()`."""

    name = models.CharField(max_length=120, default="Your City")
    state = models.CharField(max_length=60, blank=True)
    logo = models.FileField(upload_to="city/", blank=True)
    time_zone = models.CharField(
        max_length=64, default="America/Chicago", validators=[validate_time_zone]
    )
    languages = models.JSONField(default=list, help_text="Language codes, such as ['en', 'es'].")
    fiscal_year_start_month = models.PositiveSmallIntegerField(
        default=7, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    fiscal_year_start_day = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(28)]
    )
    population = models.PositiveIntegerField(
        null=True, blank=True, help_text="Residents, for rates per 1,000 residents."
    )
    website = URLField(blank=True)
    data_license = models.CharField(max_length=120, default="Open Data Commons PDDL")
    data_license_url = URLField(blank=True, default="https://opendatacommons.org/licenses/pddl/")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "city profile"

    def __str__(self) -> str:
        return self.name

    @classmethod
    def current(cls) -> CityProfile:
        """Return the saved profile, or an unsaved default before one is set.

        Every request reads it, so each process keeps it for PROFILE_TTL_SECONDS: a save
        on this node is seen at once (the signal below forgets it), a save on another web
        node within that many seconds.
        """
        loaded_at, profile = _current_profile
        if profile is None or time.monotonic() - loaded_at > PROFILE_TTL_SECONDS:
            profile = cls.objects.order_by("pk").first() or cls(languages=["en"])
            _current_profile[:] = [time.monotonic(), profile]
        return profile

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def fiscal_calendar(self) -> FiscalCalendar:
        """Return the city's fiscal calendar: the one object every period, label and
        export of the plan is cut by (plan, briefings, downloads read it from here)."""
        return FiscalCalendar(self.fiscal_year_start_month, self.fiscal_year_start_day)

    def fiscal_year_of(self, day: dt.date) -> int:
        """Return the fiscal year `day` falls in, named by the calendar year it ends in."""
        return self.fiscal_calendar.fiscal_year_of(day)

    def fiscal_year_bounds(self, fiscal_year: int) -> tuple[dt.date, dt.date]:
        """Return the first and last day of `fiscal_year`."""
        return self.fiscal_calendar.fiscal_year_bounds(fiscal_year)


class Department(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BoundaryLayer(models.Model):
    """A set of named areas (council districts, neighborhoods, …) as GeoJSON polygons."""

    slug = models.SlugField(max_length=60, unique=True)
    title = models.CharField(max_length=120)
    name_property = models.CharField(
        max_length=60, help_text="The GeoJSON property that names each area."
    )
    id_property = models.CharField(
        max_length=60,
        blank=True,
        help_text="The GeoJSON property holding each area's id, when datasets name areas by "
        "id (such as a neighborhood number) rather than by name.",
    )
    geojson = models.JSONField()
    area_count = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def area_names(self) -> list[str]:
        return sorted(set(self.area_ids()))

    def area_ids(self) -> dict[str, str]:
        """Return {area name: its id}; the id is "" when the layer names no id_property."""
        found = {}
        for feature in self.geojson.get("features", []):
            properties = feature.get("properties") or {}
            name = str(properties.get(self.name_property, "")).strip()
            if name:
                area_id = properties.get(self.id_property) if self.id_property else None
                found[name] = "" if area_id is None else str(area_id).strip()
        return found


@receiver([post_save, post_delete], sender=CityProfile)
def _forget_saved_profile(**kwargs: object) -> None:
    forget_current_profile()
