"""Site search: goals, measures, datasets, meetings, updates and places, ranked and highlighted
(the page is citystat/public/views/search.py).

Plain ORM `icontains` lookups, so it runs the same on SQLite and PostgreSQL: every word
typed must appear in an item's title or text. The ranking is simple and explainable — a
title that is the query beats one that starts with it, which beats one that contains
every word, which beats a match in the text only — so residents can predict it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import reduce
from operator import and_, or_
from typing import Any, TypeVar

from django.db.models import Model, Q, QuerySet
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from citystat.catalog.models import Dataset
from citystat.city.places import matching_places
from citystat.city.translations import default_language, localized
from citystat.engagement.queries import published_updates
from citystat.meetings.queries import public_meetings_matching
from citystat.plan.models import Goal, Measure, Plan, PriorityArea

MAX_QUERY = 200
MAX_TERMS = 8
PER_KIND = 20
# What `search` lists: any item, given how to read its title, link and text.
Item = TypeVar("Item")
# The model rows `matching` finds.
Row = TypeVar("Row", bound=Model)
SNIPPET = 180
KIND_LABELS = {
    "priority": _("Priority area"),
    "goal": _("Goal"),
    "measure": _("Measure"),
    "dataset": _("Dataset"),
    "meeting": _("Meeting"),
    "update": _("Update"),
    "place": _("Place"),
}


@dataclass(frozen=True)
class Result:
    kind: str
    title: str
    url: str
    text: str
    score: int
    # The language of `title` when the reader's had none and the default stands in.
    fallback_language: str = ""

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[self.kind])


def clean_query(raw: str) -> str:
    """Return the query without control characters, collapsed and cut to a sane length."""
    printable = "".join(ch for ch in raw[: MAX_QUERY * 4] if unicodedata.category(ch)[0] != "C")
    return " ".join(printable.split())[:MAX_QUERY]


def terms_of(text: str) -> list[str]:
    """Return the distinct words to look for, longest first, at most MAX_TERMS."""
    words = {word.strip("\"'.,;:!?()") for word in text.split()}
    return sorted((w for w in words if w), key=lambda w: (-len(w), w))[:MAX_TERMS]


def every_term(terms: list[str], fields: list[str]) -> Q:
    """Return a filter: each term appears in at least one of `fields`."""
    return reduce(
        and_, (reduce(or_, (Q(**{f"{field}__icontains": t}) for field in fields)) for t in terms)
    )


def score(text: str, terms: list[str], title: str, body: str) -> int:
    """Rank a match: the title being the query, starting with it, holding every word."""
    title_folded, body_folded, query = title.casefold(), body.casefold(), text.casefold()
    points = 0
    if title_folded == query:
        points += 100
    elif title_folded.startswith(query):
        points += 60
    elif query in title_folded:
        points += 40
    points += sum(10 for term in terms if term.casefold() in title_folded)
    points += sum(2 for term in terms if term.casefold() in body_folded)
    return points


def search(text: str) -> list[Result]:
    """Return the public items matching `text`, best first."""
    text = clean_query(text)
    terms = terms_of(text)
    if not terms:
        return []
    results: list[Result] = []

    def add(
        kind: str,
        items: Iterable[Item],
        title: Callable[[Item], str],
        url: Callable[[Item], str],
        body: Callable[[Item], str],
    ) -> None:
        for item in items:
            results.append(
                Result(
                    kind,
                    title(item),
                    url(item),
                    body(item),
                    score(text, terms, title(item), body(item)),
                )
            )

    # Plan content and updates are found and shown in the reader's language (their
    # translations).
    language = translation.get_language() or default_language()

    def add_plan(
        kind: str,
        queryset: QuerySet[Any],
        title: str,
        body: str,
        url: Callable[[Any], str] = url_of,
    ) -> None:
        fields = [title, body]
        if language != default_language():
            fields += [
                f"translations__{language}__{title}",
                f"translations__{language}__{body}",
            ]
        for item in matching(queryset, terms, fields):
            shown, text_of = localized(item, title, language), localized(item, body, language)
            results.append(
                Result(
                    kind,
                    shown.text,
                    url(item),
                    text_of.text,
                    score(text, terms, shown.text, text_of.text),
                    shown.language if shown.fell_back else "",
                )
            )

    plan = Plan.current()
    if plan is not None:
        add_plan("priority", PriorityArea.objects.filter(plan=plan), "title", "summary")
        add_plan("goal", Goal.objects.filter(priority_area__plan=plan), "title", "summary")
        measures = Measure.objects.filter(is_public=True, objective__goal__priority_area__plan=plan)
        add_plan("measure", measures, "title", "definition")
    add(
        "dataset",
        matching(Dataset.objects.filter(is_public=True), terms, ["title", "description"]),
        lambda d: d.title,
        lambda d: reverse("dataset", args=[d.slug]),
        lambda d: d.description,
    )
    add(
        "meeting",
        public_meetings_matching(text, PER_KIND),
        lambda m: m.title,
        lambda m: m.get_absolute_url(),
        lambda m: m.minutes or m.location,
    )
    updates = published_updates().order_by("-published_at")
    add_plan("update", updates, "title", "body", lambda u: u.get_absolute_url())
    for kind in ("neighborhood", "district"):
        add(
            "place",
            matching_places(kind, text, limit=5),
            lambda p: p.label,
            lambda p: p.get_absolute_url(),
            lambda p: "",
        )
    return sorted(results, key=lambda r: (-r.score, r.title.casefold()))


def matching(queryset: QuerySet[Row], terms: list[str], fields: list[str]) -> list[Row]:
    return list(queryset.filter(every_term(terms, fields))[:PER_KIND])


def url_of(item: PriorityArea | Goal | Measure) -> str:
    """Return the item's public page, or the home page until its page exists."""
    get_url = getattr(item, "get_absolute_url", None)
    return get_url() if get_url is not None else "/"


def highlight(text: str, terms: list[str]) -> SafeString:
    """Return `text` escaped, with each term wrapped in <mark>."""
    if not terms:
        return escape(text)
    pattern = re.compile("|".join(re.escape(term) for term in terms), re.IGNORECASE)
    pieces: list[str] = []
    last = 0
    for found in pattern.finditer(text):
        pieces.append(escape(text[last : found.start()]))
        pieces.append(f"<mark>{escape(found.group(0))}</mark>")
        last = found.end()
    pieces.append(escape(text[last:]))
    return mark_safe("".join(pieces))  # noqa: S308 — every piece is escaped above


def snippet(text: str, terms: list[str]) -> str:
    """Return about SNIPPET characters of `text` around the first term found."""
    text = " ".join(text.split())
    if len(text) <= SNIPPET:
        return text
    folded = text.casefold()
    starts = [i for i in (folded.find(t.casefold()) for t in terms) if i >= 0]
    start = max(0, min(starts, default=0) - SNIPPET // 3)
    piece = text[start : start + SNIPPET]
    return ("…" if start else "") + piece + ("…" if start + SNIPPET < len(text) else "")
