"""Data-triggered pushes: each load a dataset's watch covers drafts one update per place.

The catalog calls `push_watched_rows` after every load that publishes a version
(catalog.hooks). The warehouse compares the new version with the one it replaced
(catalog.versions.rows_by_place) and sends back, per place, how many rows are new or
changed and the first few of them; each place gets one update, published at once or
left as a draft for staff, as the watch says. `WatchPush` records the update drafted
for each (watch, version, place) in the same transaction as the update itself, so a
retried hook never drafts twice; loading the same file again makes a version with no
differences, which drafts nothing. Published updates reach subscribers through the
digest's ledger (subscriptions.send_digest), immediate subscriptions through a job queued
as the load publishes (subscriptions.queue_delivery).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from citystat.catalog.hooks import version_subject
from citystat.catalog.models import DatasetVersion
from citystat.catalog.versions import PlaceRows, VersionError, rows_by_place
from citystat.city.places import Place, PlaceKind, places
from citystat.engagement.models import Update, UpdateArea, Watch, WatchPush
from citystat.engagement.subscriptions import queue_delivery
from citystat.engagement.watches import place_kind

logger = logging.getLogger(__name__)

# Rows listed in each update's text; its page shows the rest live from the dataset.
ROWS_LISTED = 10


@dataclass
class PushReport:
    watch: Watch
    drafted: list[Update] = field(default_factory=list)
    already: int = 0
    unknown_places: dict[str, int] = field(default_factory=dict)

    @property
    def published(self) -> int:
        return sum(1 for update in self.drafted if update.published_at is not None)

    def summary(self) -> str:
        text = (
            f"watch {self.watch.pk}: {len(self.drafted)} update(s) drafted, "
            f"{self.published} published"
        )
        if self.already:
            text += f", {self.already} place(s) already pushed"
        if self.unknown_places:
            named = ", ".join(f"{value!r} ({n})" for value, n in self.unknown_places.items())
            text += f"; rows naming no known place left out: {named}"
        return text


def push_watched_rows(version: DatasetVersion, previous: DatasetVersion | None) -> list[str]:
    """Draft the updates every active watch of the dataset asks for; report each watch."""
    notes: list[str] = []
    published = 0
    for watch in Watch.objects.filter(dataset_id=version.dataset_id, is_active=True):
        try:
            report = push(watch, version, previous.number if previous else None)
        except VersionError as error:
            logger.warning("watch %s: %s", watch.pk, error)
            notes.append(f"watch {watch.pk}: {error}")
            continue
        published += report.published
        notes.append(report.summary())
    if published:
        # A job after the load commits, not inside the load and its dataset lock.
        queue_delivery(version_subject(version))
    return notes


def push(
    watch: Watch, version: DatasetVersion, previous: int | None, now: dt.datetime | None = None
) -> PushReport:
    """Draft one update per place for the rows `version` brought since version `previous`."""
    report = PushReport(watch)
    found = rows_by_place(
        watch.dataset,
        previous,
        version.number,
        change=watch.rows,  # type: ignore[arg-type]
        place_fields=list(watch.place_fields),
        show_fields=list(watch.show_fields),
        sample=ROWS_LISTED,
    )
    now = now or timezone.now()
    chosen: dict[tuple[str, str], tuple[PlaceRows, str]] = {}
    lookups: dict[str, dict[str, Place]] = {}
    for place_rows in found:
        kind = place_kind(place_rows.column, watch.place_kinds)
        if kind is not None and kind not in lookups:
            lookups[kind] = place_lookup(kind)
        place = lookups[kind].get(place_rows.value.strip()) if kind else None
        if kind is None or place is None:
            count = report.unknown_places.get(place_rows.value, 0)
            report.unknown_places[place_rows.value] = count + place_rows.count
            continue
        key = (kind, place.name)
        if key in chosen:
            # A dataset may name one place by its name in some rows and its id in others.
            earlier = chosen[key][0]
            place_rows = PlaceRows(
                earlier.column,
                earlier.value,
                earlier.count + place_rows.count,
                (earlier.rows + place_rows.rows)[:ROWS_LISTED],
            )
        chosen[key] = (place_rows, place.label)
    done = set(
        WatchPush.objects.filter(watch=watch, version_number=version.number).values_list(
            "kind", "name"
        )
    )
    report.already = len(done & set(chosen))
    wanted = [(key, chosen[key]) for key in chosen if key not in done]
    if not wanted:
        return report
    # One transaction and bulk inserts: a load over 240 neighborhoods drafts 240 updates,
    # and a commit per update costs more than the whole diff (benchmarks/pushes.py). The
    # ledger's unique constraint still refuses a second run that raced this one, and the
    # whole batch rolls back with it. Drafted updates are machine-made, so the ledger,
    # not the staff audit log, says where each came from.
    slugs = unique_slugs([slug_stem(watch, version, label) for _key, (_rows, label) in wanted])
    updates = [
        draft_update(watch, version, rows, label, now, slug)
        for (_key, (rows, label)), slug in zip(wanted, slugs, strict=True)
    ]
    try:
        with transaction.atomic():
            Update.objects.bulk_create(updates)
            UpdateArea.objects.bulk_create(
                UpdateArea(update=update, kind=kind, name=name)
                for ((kind, name), _value), update in zip(wanted, updates, strict=True)
            )
            WatchPush.objects.bulk_create(
                WatchPush(
                    watch=watch,
                    version_number=version.number,
                    kind=kind,
                    name=name,
                    row_count=rows.count,
                    update=update,
                    created_at=now,
                )
                for ((kind, name), (rows, _label)), update in zip(wanted, updates, strict=True)
            )
    except IntegrityError:
        report.already += len(wanted)  # another run drafted this version meanwhile
        return report
    report.drafted.extend(updates)
    return report


def place_lookup(kind: PlaceKind) -> dict[str, Place]:
    """Return {value a dataset may hold: place} for every place of `kind` (as place_for_value)."""
    found = places(kind)
    lookup = {place.area_id: place for place in found if place.area_id}
    lookup.update({place.name: place for place in found})  # a name wins over an id
    return lookup


def draft_update(
    watch: Watch,
    version: DatasetVersion,
    rows: PlaceRows,
    label: str,
    now: dt.datetime,
    slug: str,
) -> Update:
    """Return the (unsaved) update telling one place what the version brought it."""
    # The site's own language: the update is public text every visitor reads.
    with translation.override(settings.LANGUAGE_CODE):
        title = headline(watch, rows.count, label)
        body = describe(watch, version, rows, label)
    return Update(
        title=title[:200],
        slug=slug,
        body=body,
        published_at=now if watch.publish_automatically else None,
        dataset=watch.dataset,
        dataset_filter=[{"field": rows.column, "value": rows.value}],
        created_at=now,
    )


def slug_stem(watch: Watch, version: DatasetVersion, label: str) -> str:
    stem = slugify(f"{watch.dataset.slug} v{version.number}")[:40]
    return f"{stem}-{slugify(label) or 'place'}"[:74]


def unique_slugs(stems: list[str]) -> list[str]:
    """Return a slug for each stem that no update has yet and no other stem gets."""
    taken = set(Update.objects.filter(slug__in=stems).values_list("slug", flat=True))
    slugs = []
    for stem in stems:
        slug, number = stem, 1
        while slug in taken or (number > 1 and Update.objects.filter(slug=slug).exists()):
            number += 1
            slug = f"{stem}-{number}"
        taken.add(slug)
        slugs.append(slug)
    return slugs


def headline(watch: Watch, count: int, label: str) -> str:
    values = {"count": count, "dataset": watch.dataset.title, "place": label}
    if watch.rows == Watch.Rows.NEW:
        return (
            ngettext(
                "%(dataset)s: %(count)s new row in %(place)s",
                "%(dataset)s: %(count)s new rows in %(place)s",
                count,
            )
            % values
        )
    if watch.rows == Watch.Rows.CHANGED:
        return (
            ngettext(
                "%(dataset)s: %(count)s changed row in %(place)s",
                "%(dataset)s: %(count)s changed rows in %(place)s",
                count,
            )
            % values
        )
    return (
        ngettext(
            "%(dataset)s: %(count)s new or changed row in %(place)s",
            "%(dataset)s: %(count)s new or changed rows in %(place)s",
            count,
        )
        % values
    )


def describe(watch: Watch, version: DatasetVersion, rows: PlaceRows, label: str) -> str:
    """Return the update's plain text: the first rows, one per line, and how many more."""
    lines = [
        _("The latest data for %(place)s, loaded on %(day)s:")
        % {"place": label, "day": (version.published_at or timezone.now()).date().isoformat()},
        "",
    ]
    titles = {spec["name"]: spec.get("title") or spec["name"] for spec in watch.dataset.fields}
    for row in rows.rows:
        lines.append(
            "- "
            + "; ".join(
                f"{titles.get(name, name)}: {cell_text(row.get(name))}"
                for name in watch.show_fields
            )
        )
    more = rows.count - len(rows.rows)
    if more > 0:
        lines += ["", ngettext("And %(n)s more row.", "And %(n)s more rows.", more) % {"n": more}]
    return "\n".join(lines)


def cell_text(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)
