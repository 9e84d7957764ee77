"""Recompute the measures that read a dataset when a load publishes a new version.

The recompute is a job (citystat/jobs/queue.py), queued in the publishing transaction and
run after it commits, outside the load's request and its dataset lock. Its result, kept on
the job, is the load report's list of measures recomputed and failed. `measures_recomputed`
is sent once the values are stored, for whatever keeps pages warm after a compute.
"""

from __future__ import annotations

import logging
from typing import Any

from django.dispatch import Signal

from citystat.catalog import hooks as catalog_hooks
from citystat.catalog.models import DatasetVersion
from citystat.jobs import queue

logger = logging.getLogger("citystat.plan")

RECOMPUTE = "plan.recompute"

# Sent by the recompute job after it stored the values of the measures reading `dataset`;
# keyword arguments: dataset (slug), report (plan.compute.run.ComputeReport).
measures_recomputed = Signal()


def recompute_after_publish(
    sender: type, instance: DatasetVersion, update_fields: Any = None, **kwargs: Any
) -> None:
    if instance.status != DatasetVersion.Status.PUBLISHED:
        return
    if update_fields is not None and "status" not in update_fields:
        return  # a published version's report or notes saved again: nothing new to read
    slug = instance.dataset.slug
    # Here, not at the top: signals connect at start-up, which must not import Ibis (#23).
    from citystat.plan.compute.run import measures_reading  # noqa: PLC0415

    if not measures_reading(slug):
        return
    # Queued in the publishing transaction, run after it commits: the computation reads
    # the version just published, and neither the upload nor the dataset lock waits on it.
    queue.enqueue(
        RECOMPUTE,
        subject=catalog_hooks.version_subject(instance),
        dataset=slug,
        version=instance.number,
    )


def recompute(dataset: str, version: int | None = None) -> dict[str, Any]:
    """The job: recompute the measures reading `dataset`; return what it did, for the report."""
    # Inside, as above: only the job's run needs Ibis, not the start-up that registers it.
    from citystat.plan.compute.run import compute_measures, measures_reading  # noqa: PLC0415

    # Also the ratios that divide by a measure reading it (cost per pothole filled).
    report = compute_measures(measures_reading(dataset))
    for measure, problem in sorted(report.failed.items()):
        # The load itself succeeded; a measure that no longer fits is a plan problem.
        logger.warning(
            "measure %s did not recompute after %s v%s was loaded: %s",
            measure,
            dataset,
            version,
            problem,
        )
    for receiver, error in measures_recomputed.send_robust(
        sender=recompute, dataset=dataset, report=report
    ):
        if isinstance(error, Exception):
            logger.error("after recomputing %s: %r failed: %s", dataset, receiver, error)
    failed = len(report.failed)
    return {
        "summary": f"{len(report.computed)} measure(s) recomputed"
        + (f", {failed} failed" if failed else ""),
        "computed": sorted(report.computed),
        "failed": dict(sorted(report.failed.items())),
        "warnings": dict(sorted(report.warnings.items())),
        "seconds": round(report.seconds, 3),
    }
