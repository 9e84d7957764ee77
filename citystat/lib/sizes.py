"""Sizes of files as people read them."""

from __future__ import annotations

UNITS = ("B", "kB", "MB", "GB", "TB")


def human_size(size: float) -> str:
    """Return `size` bytes as '812 B', '97.4 kB' or '1.2 GB' (powers of 1000, as `df -H`)."""
    for unit in UNITS:
        if abs(size) < 1000 or unit == UNITS[-1]:
            return f"{size:,.0f} {unit}" if unit == "B" else f"{size:,.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")  # pragma: no cover
