"""Extension points other apps fill in from their AppConfig.ready().

The catalog sits below engagement (tests/test_import_direction.py): a load
may not import the pushes that tell residents what it brought, so engagement appends to
this list.

    from citystat.catalog import hooks
    hooks.version_published.append(push_watched_rows)
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from citystat.jobs.models import Job

if TYPE_CHECKING:
    from citystat.catalog.models import DatasetVersion

logger = logging.getLogger(__name__)

# Each is called with the version a load just published and the version readers saw
# before it (None for a dataset's first). The version is already public when they run.
version_published: list[Callable[[DatasetVersion, DatasetVersion | None], list[str]]] = []


def after_publish(version: DatasetVersion, previous: DatasetVersion | None) -> list[str]:
    """Run every registered hook; return what they report, and their failures as warnings.

    A hook that fails cannot take back a published load, so its error is logged and
    returned for the load report rather than raised.
    """
    notes: list[str] = []
    for hook in version_published:
        try:
            notes.extend(hook(version, previous))
        except Exception as error:
            logger.exception("after publishing %s: %s failed", version, hook.__name__)
            notes.append(f"{hook.__name__} failed: {type(error).__name__}: {error}")
    return notes


def version_subject(version: DatasetVersion) -> str:
    """The subject under which the jobs a version's publication queued are filed."""
    return f"catalog.datasetversion:{version.pk}"


def jobs_after(versions: list[DatasetVersion]) -> dict[int, list[Job]]:
    """Return {version pk: the jobs its publication queued (a recompute…), oldest first}."""
    by_subject = {version_subject(version): version.pk for version in versions}
    found: dict[int, list[Job]] = {version.pk: [] for version in versions}
    for job in Job.objects.filter(subject__in=list(by_subject)).order_by("created_at", "pk"):
        found[by_subject[job.subject]].append(job)
    return found
