"""Strong ETags hashed from what an answer is made of (api/conditional.py, iCalendar feeds)."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def strong_etag(*parts: Any) -> str:
    """Return a quoted strong ETag for `parts`: anything JSON writes, other values as text."""
    text = json.dumps(list(parts), default=str, sort_keys=True)
    return '"' + hashlib.sha256(text.encode()).hexdigest()[:40] + '"'


def model_fields(instance: Any) -> list[tuple[str, Any]]:
    """Every stored field of a model instance, as (name, value) pairs, for an ETag."""
    return [
        (field.attname, getattr(instance, field.attname))
        for field in instance._meta.concrete_fields
    ]
