"""What a dataset's watch may name: the checks run whenever a watch is saved.

A watch's fields go into emails and onto public update pages, so each must be a column
the dataset publishes (a withheld column such as a parcel id never leaves the
warehouse), and each place field must say which kind of place it names. A watch on
changed rows needs the schema's primaryKey: without one, a changed row cannot be told
from a removed row plus a new one.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from citystat.catalog.models import Dataset
from citystat.catalog.schema import primary_key
from citystat.city.places import KINDS, PlaceKind, kind_of_layer
from citystat.engagement.models import Watch
from citystat.lib.errors import CitystatError

MOST_SHOWN_FIELDS = 8


def place_kind(field: str, declared: dict[str, Any]) -> PlaceKind | None:
    """Return the kind of place a column names: as declared, or as its name says."""
    kind = declared.get(field)
    if kind in KINDS:
        return kind  # type: ignore[no-any-return]
    return kind_of_layer(field.lower())


def watch_problems(watch: Watch) -> dict[str, list[str]]:
    """Return {form field: [problem, ...]} for everything wrong with `watch`; empty if none."""
    problems: dict[str, list[str]] = {}
    dataset = watch.dataset
    fields = {spec["name"]: spec for spec in dataset.fields}
    public = {spec["name"] for spec in dataset.public_fields}

    def check_named(form_field: str, names: Any, what: str) -> list[str]:
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            problems.setdefault(form_field, []).append(_("Give a list of column names."))
            return []
        for name in names:
            if name not in fields:
                problems.setdefault(form_field, []).append(
                    _("%(field)s is not a field of %(dataset)s; its fields are: %(fields)s.")
                    % {"field": name, "dataset": dataset.slug, "fields": ", ".join(fields)}
                )
            elif name not in public:
                problems.setdefault(form_field, []).append(
                    _(
                        "%(field)s is withheld from the public in %(dataset)s, so it cannot "
                        "be %(what)s."
                    )
                    % {"field": name, "dataset": dataset.slug, "what": what}
                )
        return [name for name in names if name in public]

    places = check_named("place_fields", watch.place_fields, _("used to group rows by place"))
    if not watch.place_fields and "place_fields" not in problems:
        problems["place_fields"] = [_("Name at least one column that holds a place.")]
    declared = watch.place_kinds if isinstance(watch.place_kinds, dict) else {}
    for name in places:
        if place_kind(name, declared) is None:
            problems.setdefault("place_fields", []).append(
                _(
                    "%(field)s does not say which kind of place it holds; write it as "
                    "%(field)s = neighborhood or %(field)s = district."
                )
                % {"field": name}
            )
    check_named("show_fields", watch.show_fields, _("shown in emails and updates"))
    if not watch.show_fields and "show_fields" not in problems:
        problems["show_fields"] = [_("Name at least one column to show for each row.")]
    elif isinstance(watch.show_fields, list) and len(watch.show_fields) > MOST_SHOWN_FIELDS:
        problems.setdefault("show_fields", []).append(
            _("Show at most %(n)s fields.") % {"n": MOST_SHOWN_FIELDS}
        )
    if watch.rows == watch.Rows.CHANGED and not primary_key(dataset.table_schema):
        problems["rows"] = [
            _(
                "%(dataset)s has no primaryKey, so a changed row cannot be told from a new "
                "one; watch new rows, or add a primaryKey to its schema."
            )
            % {"dataset": dataset.slug}
        ]
    return problems


class WatchRefused(CitystatError):
    pass


def declare_watch(
    slug: str,
    *,
    rows: str,
    places: list[str],
    show: list[str],
    publish: bool,
) -> tuple[Watch, bool]:
    """Create or replace the watch of dataset `slug` (`citystat engagement watch`).

    `places` holds `column` or `column=kind`. Returns the watch and whether it is new;
    raises WatchRefused naming every problem, and then changes nothing.
    """
    dataset = Dataset.objects.filter(slug=slug).first()
    if dataset is None:
        known = ", ".join(Dataset.objects.values_list("slug", flat=True)) or "none yet"
        raise WatchRefused(f"no dataset {slug!r} (known: {known}).")
    names, kinds = [], {}
    for entry in places:
        name, separator, kind = (part.strip() for part in entry.partition("="))
        if separator and kind not in KINDS:
            raise WatchRefused(f"--by {entry}: the kind after = is neighborhood or district.")
        if separator:
            kinds[name] = kind
        names.append(name)
    watch = dataset.watches.order_by("pk").first()
    created = watch is None
    watch = watch or Watch(dataset=dataset)
    watch.rows, watch.place_fields, watch.place_kinds = rows, names, kinds
    watch.show_fields, watch.publish_automatically, watch.is_active = show, publish, True
    try:
        watch.full_clean()
    except ValidationError as error:
        problems = [f"{field}: {message}" for field, messages in error.message_dict.items()
                    for message in messages]  # fmt: skip
        raise WatchRefused(f"watch on {slug!r} refused; " + " ".join(problems)) from None
    watch.save()
    return watch, created
