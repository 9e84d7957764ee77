"""The plan's system checks, registered at start-up without loading the warehouse engines."""

from __future__ import annotations

from typing import Any

from django.core import checks


@checks.register(checks.Tags.database)
def warehouse_computes_every_measure(
    app_configs: Any = None, databases: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Refuse a warehouse engine that lacks an operation a measure needs.

    The work (and the import of Ibis and pyarrow it needs) happens only when the check
    runs, which is when a database is named; registering it costs no start-up time (#23).
    """
    if not databases:
        return []
    from citystat.plan.compute import portability  # noqa: PLC0415

    return portability.warehouse_computes_every_measure(app_configs, databases, **kwargs)
