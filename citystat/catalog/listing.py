"""The public catalogue as residents browse it: search words, a department, a tag."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import QueryDict
from django.utils.text import slugify
from django.utils.translation import gettext as _

from citystat.catalog.models import Dataset
from citystat.city.models import Department

SEARCH_LENGTH = 200


@dataclass
class Listing:
    datasets: list[Dataset]
    search: str = ""
    department: str = ""
    tag: str = ""
    departments: list[Department] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    total: int = 0

    @property
    def filtered(self) -> bool:
        return bool(self.search or self.department or self.tag)


def words(text: str) -> list[str]:
    """Return the search's words folded as the datasets' text is (case and accents aside)."""
    return [word for word in slugify(text).split("-") if word]


def searchable(dataset: Dataset) -> str:
    """Return a dataset's title, description, tags and column titles as one folded text."""
    parts = [dataset.title, dataset.description, " ".join(str(t) for t in dataset.tags)]
    parts += [str(spec.get("title") or spec["name"]) for spec in dataset.public_fields]
    return " " + " ".join(words(" ".join(parts))) + " "


def catalog_listing(query: QueryDict) -> Listing:
    """Return the public datasets that match every given filter, in title order.

    A department or tag that no public dataset has is refused by name rather than
    answered with an empty list that would look like "no data".
    """
    public = list(Dataset.objects.filter(is_public=True).select_related("department"))
    departments = sorted({d.department for d in public if d.department}, key=lambda d: d.name)
    tags = sorted({str(tag) for d in public for tag in d.tags}, key=str.casefold)
    listing = Listing(
        [],
        search=query.get("q", "").strip(),
        department=query.get("department", "").strip(),
        tag=query.get("tag", "").strip(),
        departments=departments,
        tags=tags,
        total=len(public),
    )
    if len(listing.search) > SEARCH_LENGTH:
        listing.errors["q"] = _("Search for at most %(count)s characters.") % {
            "count": SEARCH_LENGTH
        }
    if listing.department and listing.department not in {d.code for d in departments}:
        listing.errors["department"] = _("No public dataset belongs to %(department)s.") % {
            "department": listing.department
        }
    if listing.tag and listing.tag not in tags:
        listing.errors["tag"] = _("No public dataset is tagged %(tag)s.") % {"tag": listing.tag}
    if listing.errors:
        return listing
    wanted = words(listing.search)
    listing.datasets = [
        dataset
        for dataset in public
        if (
            not listing.department
            or (dataset.department and dataset.department.code == listing.department)
        )
        and (not listing.tag or listing.tag in [str(t) for t in dataset.tags])
        and all(f" {word}" in searchable(dataset) for word in wanted)
    ]
    return listing
