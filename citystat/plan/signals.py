"""Recompute the measures that read a dataset when a load publishes a new version."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from citystat.catalog.models import DatasetVersion

logger = logging.getLogger("citystat.plan")


def recompute_after_publish(sender: type, instance: DatasetVersion, **kwargs: Any) -> None:
    if instance.status != DatasetVersion.Status.PUBLISHED:
        return
    slug = instance.dataset.slug
    from citystat.plan.compute.run import measures_reading

    if not measures_reading(slug):
        return
    # After the commit, so the computation reads the version that was just published.
    transaction.on_commit(lambda: recompute(slug))


def recompute(slug: str) -> None:
    from citystat.plan.compute.run import compute_measures, measures_reading

    # Also the ratios that divide by a measure reading it (cost per pothole filled).
    report = compute_measures(measures_reading(slug))
    for measure, problem in sorted(report.failed.items()):
        # The load itself succeeded; a measure that no longer fits is a plan problem.
        logger.warning(
            "measure %s did not recompute after %s was loaded: %s", measure, slug, problem
        )
