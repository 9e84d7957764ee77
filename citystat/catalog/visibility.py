"""Which columns of a Table Schema the public may see: one rule for every reader."""

from __future__ import annotations

from typing import Any


def field_is_public(spec: dict[str, Any]) -> bool:
    """Say whether a schema field is public: unmarked or `"public": true`.

    Anything else (`false`, but also `null`, `0` or `"no"` in a hand-written schema) is
    withheld, so that SODA, downloads, the data dictionary and measure checks never
    disagree and a doubtful column fails closed.
    """
    return spec.get("public", True) is True
