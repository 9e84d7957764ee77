"""Scheduled refresh: reload each dataset whose schedule is due; retry failures with back-off."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from citystat.catalog.ingest import IngestError, ingest
from citystat.catalog.models import Dataset
from citystat.catalog.rounds import run_round_work
from citystat.catalog.schedule import parse_schedule
from citystat.catalog.sources import SourceError, check_stored_source

RETRY_FIRST = dt.timedelta(minutes=5)
RETRY_LONGEST = dt.timedelta(hours=6)


@dataclass
class RefreshResult:
    slug: str
    ok: bool
    message: str
    next_refresh_at: dt.datetime | None


def due_datasets(now: dt.datetime) -> list[Dataset]:
    """Return datasets with a source whose next refresh has come, or that staff queued."""
    never_run = Q(next_refresh_at__isnull=True) & ~Q(refresh_schedule="")
    return list(Dataset.objects.exclude(source="").filter(never_run | Q(next_refresh_at__lte=now)))


def retry_delay(failures: int) -> dt.timedelta:
    """Wait 5 minutes after the first failure, doubling each time up to 6 hours."""
    doubling: int = 2 ** max(failures - 1, 0)
    return min(RETRY_FIRST * doubling, RETRY_LONGEST)


def refresh_dataset(dataset: Dataset, now: dt.datetime) -> RefreshResult:
    """Load the dataset's source once and set when it runs next."""
    schedule = parse_schedule(dataset.refresh_schedule)
    regular = schedule.next_after(now) if schedule else None
    try:
        # Checked here as well as on the staff form: the setting or the file may have
        # changed since, and a source refused now loads nothing and adds no version.
        source = check_stored_source(dataset.source, dataset.slug)
        version = ingest(dataset, source, started_by="citystat refresh")
    except (IngestError, SourceError) as error:
        if isinstance(error, SourceError):
            error = IngestError(f"dataset {dataset.slug!r}, source {error} Nothing was loaded.")
        dataset.refresh_failures += 1
        retry = now + retry_delay(dataset.refresh_failures)
        dataset.next_refresh_at = min(retry, regular) if regular else retry
        dataset.save(update_fields=["refresh_failures", "next_refresh_at"])
        return RefreshResult(dataset.slug, False, str(error), dataset.next_refresh_at)
    dataset.refresh_failures = 0
    dataset.next_refresh_at = regular
    dataset.save(update_fields=["refresh_failures", "next_refresh_at"])
    message = f"v{version.number}: {version.row_count:,} rows published"
    return RefreshResult(dataset.slug, True, message, regular)


def refresh_due(now: dt.datetime | None = None) -> list[RefreshResult]:
    """Refresh every due dataset, one after another; one failure does not stop the rest."""
    moment = now or timezone.now()
    return [refresh_dataset(dataset, moment) for dataset in due_datasets(moment)]


def run_loop(
    every: float,
    report: Callable[[RefreshResult], None],
    rounds: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Refresh what is due, wait `every` seconds, and again, for `rounds` or for ever."""
    done = 0
    while rounds is None or done < rounds:
        for result in refresh_due():
            report(result)
        run_round_work()
        done += 1
        if rounds is None or done < rounds:
            sleep(every)
