"""Prometheus metrics for `/metrics` (`CITYSTAT_METRICS=true`).

Two kinds of figure:

- per process, kept by prometheus_client: request latency by view. Under `citystat serve`
  every gunicorn worker writes its samples to files in PROMETHEUS_MULTIPROC_DIR and a
  scrape adds them up (prometheus_client's multiprocess mode), so a scrape that lands on
  any worker sees the whole node;
- read from the app database at scrape time: stale datasets, dataset load durations, job
  runs and failures. They describe the whole site, so every node reports the same value:
  aggregate them with max(), not sum().
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

from django.db.models import Count, Max
from django.utils import timezone
from prometheus_client import CollectorRegistry, Histogram, generate_latest, values
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from citystat.catalog.models import Dataset, DatasetVersion
from citystat.jobs.models import JobRun

MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
# Request latency buckets, seconds: public pages answer in tens of milliseconds, large
# downloads and SoQL aggregates in seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

_lock = threading.Lock()
_process_registry = CollectorRegistry(auto_describe=True)
_request_latency: Histogram | None = None


def multiprocess_mode() -> bool:
    return bool(os.environ.get(MULTIPROCESS_VARIABLE))


def enable_multiprocess(folder: str) -> None:
    """Switch this process (and the workers it forks) to multiprocess metrics in `folder`.

    prometheus_client picks its value store when first imported; it must be picked again
    here because Django has imported it long before `citystat serve` knows the folder.
    """
    os.environ[MULTIPROCESS_VARIABLE] = folder
    values.ValueClass = values.get_value_class()


def request_latency() -> Histogram:
    """The latency histogram, created on first use: in a gunicorn worker, after the fork."""
    global _request_latency
    with _lock:
        if _request_latency is None:
            _request_latency = Histogram(
                "citystat_http_request_duration_seconds",
                "Time to answer a request, by view, method and status class.",
                ["view", "method", "status"],
                buckets=LATENCY_BUCKETS,
                registry=None if multiprocess_mode() else _process_registry,
            )
        return _request_latency


def observe_request(view: str, method: str, status: int, seconds: float) -> None:
    request_latency().labels(view=view, method=method, status=f"{status // 100}xx").observe(seconds)


class SiteCollector(Collector):
    """Figures about the whole site, read from the app database when scraped."""

    def collect(self) -> Iterator[Metric]:
        now = timezone.now()
        datasets = list(Dataset.objects.all())
        stale = GaugeMetricFamily(
            "citystat_datasets_stale",
            "Datasets whose published data is older than their update frequency promises.",
        )
        stale.add_metric([], sum(1 for dataset in datasets if dataset.is_stale(now)))
        yield stale

        latest = GaugeMetricFamily(
            "citystat_dataset_last_load_seconds",
            "How long each dataset's most recent finished load took.",
            labels=["dataset"],
        )
        finished = (
            DatasetVersion.objects.filter(finished_at__isnull=False)
            .order_by("dataset_id", "-number")
            .select_related("dataset")
        )
        seen: set[int] = set()
        for version in finished.iterator():
            if version.dataset_id in seen:
                continue
            seen.add(version.dataset_id)
            latest.add_metric([version.dataset.slug], version.seconds or 0.0)
        yield latest

        loads = GaugeMetricFamily(
            "citystat_dataset_versions",
            "Dataset versions (loads) kept in the catalog, by status.",
            labels=["status"],
        )
        for row in DatasetVersion.objects.values("status").annotate(n=Count("id")):
            loads.add_metric([row["status"]], row["n"])
        yield loads

        runs = GaugeMetricFamily(
            "citystat_job_runs",
            "Scheduled job runs recorded in the last 90 days, by job and outcome.",
            labels=["job", "status"],
        )
        last_failure = GaugeMetricFamily(
            "citystat_job_last_failure_timestamp_seconds",
            "When each scheduled job last failed (Unix time).",
            labels=["job"],
        )
        for row in JobRun.objects.values("name", "status").annotate(
            n=Count("id"), last=Max("started_at")
        ):
            runs.add_metric([row["name"], row["status"]], row["n"])
            if row["status"] == JobRun.Status.FAILED:
                last_failure.add_metric([row["name"]], row["last"].timestamp())
        yield runs
        yield last_failure


def exposition() -> bytes:
    """Return every metric in Prometheus' text format, for one scrape."""
    registry = CollectorRegistry(auto_describe=True)
    if multiprocess_mode():
        MultiProcessCollector(registry)
    else:
        request_latency()  # so the family is listed before the first request ends
        registry.register(_ProcessMetrics())
    registry.register(SiteCollector())
    return generate_latest(registry)


class _ProcessMetrics(Collector):
    """This process's own metrics, outside multiprocess mode (runserver, tests)."""

    def collect(self) -> Iterator[Metric]:
        yield from _process_registry.collect()
