"""Extension points of the plan file that apps above the plan fill in from AppConfig.ready().

The plan cannot import the apps built on it (tests/test_import_direction.py),
so an app that keeps part of its setup in the plan file (peers) registers a top-level
section here; `plan export` writes it and `plan import` checks it with the rest of the
document and writes it in the same transaction.

    from citystat.plan import hooks
    hooks.document_sections.append(hooks.DocumentSection("peers", export, check, write))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from citystat.plan.models import Plan


@dataclass(frozen=True)
class DocumentSection:
    key: str
    # The section's content for the plan file, or None to leave it out.
    export: Callable[[Plan], Any]
    # The problems of the section's content, each "path: message"; `measures` holds the
    # slugs of the measures the document defines.
    check: Callable[[Any, set[str]], list[str]]
    # Write the checked content, after the plan's measures, inside the import transaction.
    write: Callable[[Any], None]


document_sections: list[DocumentSection] = []
