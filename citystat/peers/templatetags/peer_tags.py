from typing import Any

from django import template

from citystat.plan import display

register = template.Library()


@register.filter
def peer_number(value: Any, unit: str) -> str:
    """Return a figure as every other page shows a value of its unit (plan/display.py), in
    the reader's language: a peer's 4.2 days reads like ours."""
    return display.value_text(None if value is None else float(value), unit)
