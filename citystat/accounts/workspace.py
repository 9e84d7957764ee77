"""The staff workspace home: a registry of sections that apps plug in.

An app registers a section once (in its AppConfig.ready) with the permission a person
needs to see it and a function that returns what needs that person:

    register_section("failed-loads", "Failed data loads", permission="catalog.view_dataset",
                     items=failed_loads, order=20)

`items(user)` returns a list of WorkspaceItem; the home shows each visible section with
its count. Sections are read-only summaries that link to the owning app's pages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from citystat.accounts.permissions import ANY_STAFF


@dataclass(frozen=True)
class WorkspaceItem:
    label: str
    url: str = ""
    detail: str = ""


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    permission: str
    items: Callable[[Any], list[WorkspaceItem]]
    order: int = 50
    empty: str = "Nothing needs you here."


@dataclass
class SectionView:
    section: Section
    items: list[WorkspaceItem] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.items)


SECTIONS: dict[str, Section] = {}


def register_section(
    key: str,
    title: str,
    *,
    items: Callable[[Any], list[WorkspaceItem]],
    permission: str = ANY_STAFF,
    order: int = 50,
    empty: str = "Nothing needs you here.",
) -> None:
    """Add (or replace) the workspace section `key`."""
    SECTIONS[key] = Section(key, title, permission, items, order, empty)


def sections_for(user: Any) -> list[SectionView]:
    """Return the sections `user` may see, each with the items that need them."""
    visible = []
    for section in sorted(SECTIONS.values(), key=lambda s: (s.order, s.title)):
        if section.permission != ANY_STAFF and not user.has_perm(section.permission):
            continue
        visible.append(SectionView(section, section.items(user)))
    return visible
