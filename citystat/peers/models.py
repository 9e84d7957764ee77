"""Peer cities and benchmark files, and the figures read from them (docs/peers.md)."""

from __future__ import annotations

import datetime as dt

from django.db import models

from citystat.catalog.schedule import parse_schedule
from citystat.lib.periods import FiscalCalendar
from citystat.plan.models import Measure


class Peer(models.Model):
    class Kind(models.TextChoices):
        CITYSTAT = "citystat", "another citystat site"
        SODA = "soda", "a Socrata (SODA) portal"
        FILE = "file", "a benchmark file"

    class State(models.TextChoices):
        NEW = "new", "not read yet"
        OK = "ok", "read"
        FAILED = "failed", "failed"

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # The citystat site's or SODA portal's base URL, or the benchmark file's path or URL.
    url = models.CharField(max_length=500)
    # SODA peers: the portal's dataset id and the one of our datasets it stands for, with
    # {our field: their column}.
    dataset_id = models.CharField(max_length=100, blank=True)
    dataset = models.CharField(max_length=80, blank=True, help_text="Our dataset's slug.")
    column_map = models.JSONField(default=dict, blank=True)
    population = models.PositiveIntegerField(null=True, blank=True)
    fiscal_year_start_month = models.PositiveSmallIntegerField(default=7)
    fiscal_year_start_day = models.PositiveSmallIntegerField(default=1)
    # Rows a SODA peer may page through for a measure SoQL cannot express.
    row_limit = models.PositiveIntegerField(default=2_000_000)
    schedule = models.CharField(max_length=100, default="daily")
    is_public = models.BooleanField(
        default=False, help_text="Shown on the public site; staff decide, peer by peer."
    )
    is_synthetic = models.BooleanField(
        default=False, help_text="Made-up figures (the demo's peers); labelled so everywhere."
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.NEW)
    last_error = models.TextField(blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def calendar(self) -> FiscalCalendar:
        return FiscalCalendar(self.fiscal_year_start_month, self.fiscal_year_start_day)

    def is_due(self, now: dt.datetime) -> bool:
        """Say whether the peer's schedule calls for a refresh at `now`."""
        if self.last_attempt_at is None:
            return True
        schedule = parse_schedule(self.schedule)
        return schedule is not None and schedule.next_after(self.last_attempt_at) <= now


class PeerLink(models.Model):
    """Staff's word that one of the peer's figures stands beside one of our measures.

    A SODA peer needs none (it computes our own spec); a citystat peer's measure and a
    benchmark figure are shown only once linked, with a note on how they differ.
    """

    peer = models.ForeignKey(Peer, on_delete=models.CASCADE, related_name="links")
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="peer_links")
    their_measure = models.CharField(
        max_length=80, blank=True, help_text="The peer's measure slug (citystat peers)."
    )
    note = models.CharField(max_length=500, blank=True, help_text="How the definitions differ.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["peer", "measure"], name="one_link_per_peer_measure")
        ]

    def __str__(self) -> str:
        return f"{self.peer} → {self.measure.slug}"


class PeerValue(models.Model):
    class Method(models.TextChoices):
        API = "api", "read from the peer's citystat API"
        SOQL = "soql", "computed by the portal (SoQL)"
        ROWS = "rows", "computed here from the portal's rows"
        FILE = "file", "published figure"

    peer = models.ForeignKey(Peer, on_delete=models.CASCADE, related_name="values")
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="peer_values")
    period = models.CharField(max_length=10, help_text="The peer's own label (FY2025, 2025-03).")
    period_start = models.DateField()
    period_end = models.DateField()
    value = models.FloatField()
    method = models.CharField(max_length=10, choices=Method.choices)
    source_url = models.CharField(max_length=1000)
    source = models.CharField(max_length=300, blank=True)
    notes = models.CharField(max_length=500, blank=True)
    retrieved_at = models.DateTimeField()

    class Meta:
        ordering = ["peer", "measure", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["peer", "measure", "period_start", "period_end"],
                name="one_peer_value_per_period",
            )
        ]

    def __str__(self) -> str:
        return f"{self.peer.slug} {self.measure.slug} {self.period}: {self.value}"
