"""The meeting screen's logic: which agenda item is current, and its chart."""

from __future__ import annotations

from typing import Any

from citystat.meetings.models import AgendaItem, Meeting
from citystat.plan.charts import measure_chart


def advance(meeting: Meeting, step: int = 1) -> AgendaItem | None:
    """Make the next (or, with step -1, the previous) agenda item current; return it."""
    items = list(meeting.agenda_items.all())
    if not items:
        return None
    ids = [item.pk for item in items]
    if meeting.current_item_id in ids:
        index = min(max(ids.index(meeting.current_item_id) + step, 0), len(items) - 1)
    else:
        index = 0
    meeting.current_item = items[index]
    meeting.save(update_fields=["current_item", "updated_at"])
    return items[index]


def item_chart(item: AgendaItem | None) -> dict[str, Any] | None:
    """Return the Vega-Lite spec of the item's measure, or None for an item without one."""
    if item is None or item.measure is None:
        return None

    return measure_chart(item.measure)
