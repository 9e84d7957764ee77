"""The staff workspace home: a registry of sections that apps plug in.

An app registers a section once (in its AppConfig.ready) with the permission a person
needs to see it and a function that returns what needs that person:

    register_section("failed-loads", "Failed data loads", permission="catalog.view_dataset",
                     items=failed_loads, order=20)

`items(user)` returns a list of WorkspaceItem; the home shows each visible section with
its count. Sections are read-only summaries that link to the owning app's pages.

The same registry is how a staff page joins the staff navigation (every staff page's
header, templates/staff/_nav.html): give the section the `page` it leads to, by URL name,
and its `nav_label`. A page with nothing to list on the home leaves out `items`:

    register_section("measures", "Measures", page="staff-measures",
                     permission="plan.view_measure", order=10)

A page whose route does not exist (its app not installed) is left out of the navigation,
so it never links to a missing page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise

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
    # None for a page that only joins the navigation.
    items: Callable[[Any], list[WorkspaceItem]] | None
    order: int = 50
    empty: str = "Nothing needs you here."
    # The URL name of the staff page the section leads to, shown in the navigation.
    page: str = ""
    nav_label: str = ""


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str


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
    title: str | Promise,
    *,
    items: Callable[[Any], list[WorkspaceItem]] | None = None,
    permission: str = ANY_STAFF,
    order: int = 50,
    empty: str = "Nothing needs you here.",
    page: str = "",
    nav_label: str | Promise = "",
) -> None:
    """Add (or replace) the workspace section `key`; with `page`, also a navigation link."""
    if items is None and not page:
        raise ValueError(f"workspace section {key!r} needs items, a page, or both")
    # Titles may be lazy translations: the type says str, the template renders either.
    SECTIONS[key] = Section(key, title, permission, items, order, empty, page, nav_label)  # type: ignore[arg-type]


def may_see(user: Any, section: Section) -> bool:
    return section.permission == ANY_STAFF or user.has_perm(section.permission)


def sections_for(user: Any) -> list[SectionView]:
    """Return the sections `user` may see, each with the items that need them."""
    visible = []
    for section in sorted(SECTIONS.values(), key=lambda s: (s.order, s.title)):
        if section.items is None or not may_see(user, section):
            continue
        visible.append(SectionView(section, section.items(user)))
    return visible


def nav_for(user: Any) -> list[NavLink]:
    """Return the staff pages `user` may open, in section order, each page once."""
    links: dict[str, NavLink] = {}
    for section in sorted(SECTIONS.values(), key=lambda s: (s.order, s.title)):
        if not section.page or not may_see(user, section):
            continue
        try:
            url = reverse(section.page)
        except NoReverseMatch:
            continue
        links.setdefault(url, NavLink(str(section.nav_label or section.title), url))
    return list(links.values())
