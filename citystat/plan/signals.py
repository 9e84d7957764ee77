"""Recompute the measures that read a dataset when a load publishes a new version."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from citystat.catalog.models import DatasetVersion
from citystat.plan.models import Measure

logger = logging.getLogger("citystat.plan")


def recompute_after_publish(sender: type, instance: DatasetVersion, **kwargs: Any) -> None:
    if instance.status != DatasetVersion.Status.PUBLISHED:
        return
    slug = instance.dataset.slug
    if not Measure.objects.filter(spec__dataset=slug).exists():
        return
    # After the commit, so the computation reads the version that was just published.
    transaction.on_commit(lambda: recompute(slug))


def recompute(slug: str) -> None:
    from citystat.plan.compute.run import compute_measures

    report = compute_measures(Measure.objects.filter(spec__dataset=slug))
    for measure, problem in sorted(report.failed.items()):
        # The load itself succeeded; a measure that no longer fits is a plan problem.
        logger.warning(
            "measure %s did not recompute after %s was loaded: %s", measure, slug, problem
        )
