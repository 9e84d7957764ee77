from typing import Any

from django import template
from django.utils.formats import number_format

register = template.Library()

# Decimals each unit is read with, as the measure charts show it (plan/charts.UNIT_FORMATS).
DECIMALS = {"percent": 1, "days": 1, "dollars": 0, "count": 0, "rate_per_1000": 2, "score": 2}


@register.filter
def peer_number(value: Any, unit: str) -> str:
    """Return a figure in the reader's language's number format, with its unit's decimals."""
    if value is None:
        return "—"
    text = number_format(value, DECIMALS.get(unit, 2), use_l10n=True, force_grouping=True)
    if unit == "percent":
        return f"{text}%"
    if unit == "dollars":
        return f"${text}"
    return str(text)
