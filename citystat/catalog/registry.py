"""Create, change and delete datasets from the command line (`citystat dataset`).

Making a dataset or a column public goes through catalog.publication, as on the staff
pages: the person named with `--as` must hold the publisher permission, and the change is
written to the audit log under their name. A delete is refused while a measure or a
survey reads the dataset, and otherwise removes the dataset, every version, its engine
copies, its download files and its uploads, so a dataset whose first load failed can
always be removed.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError, Q

from citystat.catalog import engines, uploads, versions, warehouse
from citystat.catalog.models import Dataset
from citystat.catalog.publication import (
    MAKE_PUBLIC,
    Exposure,
    MakePublicRefused,
    check_may_make_public,
    exposure_of,
    record_exposure_change,
    widening,
)
from citystat.catalog.schema import FIELD_TYPES, SchemaError, validate_schema
from citystat.city.models import Department
from citystat.lib.errors import CitystatError


class DatasetRefused(CitystatError):
    """The change cannot be made; the message says why and what to do. Nothing changed."""


def read_schema_file(path: str | Path) -> dict[str, Any]:
    """Return the Table Schema in the JSON file at `path`, or raise naming what is wrong."""
    try:
        schema: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise DatasetRefused(f"{path}: cannot be read ({error.strerror}).") from None
    except ValueError as error:
        raise DatasetRefused(f"{path}: is not JSON ({error}).") from None
    try:
        validate_schema(schema)
    except SchemaError as error:
        raise DatasetRefused(f"{path}: {error}") from None
    return schema


def department_named(text: str) -> Department:
    """Return the department whose code or name is `text`."""
    found = Department.objects.filter(Q(code=text) | Q(name=text)).first()
    if found is None:
        known = ", ".join(Department.objects.values_list("code", flat=True)) or "none yet"
        raise DatasetRefused(f"no department {text!r} (known codes: {known}).")
    return found


def user_named(username: str | None) -> Any:
    if not username:
        return None
    found = get_user_model().objects.filter(username=username).first()
    if found is None:
        raise DatasetRefused(f"--as {username!r}: no such user.")
    return found


def create_dataset(
    slug: str,
    schema: dict[str, Any],
    *,
    title: str = "",
    department: str = "",
    public: bool = False,
    username: str | None = None,
) -> Dataset:
    """Create dataset `slug` described by `schema`; nothing is loaded yet."""
    if Dataset.objects.filter(slug=slug).exists():
        raise DatasetRefused(
            f"dataset {slug!r} already exists; change it with `citystat dataset update {slug}`."
        )
    dataset = Dataset(slug=slug, title=title or slug.replace("-", " ").capitalize())
    dataset.table_schema = schema
    dataset.is_public = public
    if department:
        dataset.department = department_named(department)
    return save_checked(dataset, exposure_of(False, {}), username)


def update_dataset(
    dataset: Dataset,
    *,
    title: str | None = None,
    department: str | None = None,
    public: bool | None = None,
    schema: dict[str, Any] | None = None,
    username: str | None = None,
) -> Dataset:
    """Change what is given of `dataset`; a schema only where the published data still fits."""
    before = exposure_of(dataset.is_public, dataset.table_schema)
    if title is not None:
        dataset.title = title
    if department is not None:
        dataset.department = department_named(department) if department else None
    if public is not None:
        dataset.is_public = public
    if schema is not None:
        problems = unsafe_schema_changes(dataset, schema)
        if problems:
            raise DatasetRefused(
                f"dataset {dataset.slug!r}: the new schema does not fit the published "
                f"v{dataset.latest_version.number if dataset.latest_version else '?'}: "
                f"{'; '.join(problems)}. Nothing was changed. Titles, descriptions, formats, "
                "constraints and `public` may change; to change fields, load the data under "
                "a new dataset, or delete this one and create it again."
            )
        dataset.table_schema = schema
    return save_checked(dataset, before, username)


def unsafe_schema_changes(dataset: Dataset, schema: dict[str, Any]) -> list[str]:
    """Name the field changes the published data cannot follow (added, removed, retyped)."""
    if dataset.latest_version is None:
        return []
    old = {spec["name"]: spec.get("type", "string") for spec in dataset.fields}
    new = {spec["name"]: spec.get("type", "string") for spec in schema.get("fields", [])}
    problems = [f"field {name!r} is new" for name in new if name not in old]
    problems += [f"field {name!r} is gone" for name in old if name not in new]
    problems += [
        f"field {name!r} changes from {old[name]} to {new[name]}"
        for name in new
        if name in old and FIELD_TYPES[new[name]] != FIELD_TYPES.get(old[name])
    ]
    return problems


def save_checked(dataset: Dataset, before: Exposure, username: str | None) -> Dataset:
    """Validate and save `dataset`, refusing a widening `username` may not make."""
    after = exposure_of(dataset.is_public, dataset.table_schema)
    shown = widening(before, after)
    user = user_named(username)
    if shown and user is None:
        raise DatasetRefused(
            f"this would make {', '.join(shown)} public, which needs the {MAKE_PUBLIC} "
            "permission: pass --as USERNAME of someone who holds it (administrators and the "
            "performance office), so the audit log names who did it. Nothing was changed."
        )
    try:
        if user is not None:
            check_may_make_public(user, before, after)
        dataset.full_clean()
    except MakePublicRefused as refusal:
        raise DatasetRefused(f"{refusal} Nothing was changed.") from None
    except ValidationError as error:
        messages = "; ".join(
            f"{field}: {' '.join(problems)}" for field, problems in error.message_dict.items()
        )
        raise DatasetRefused(f"dataset {dataset.slug!r}: {messages}") from None
    with transaction.atomic():
        dataset.save()
        record_exposure_change(dataset, before, after, user=user)
    return dataset


def readers_of(dataset: Dataset) -> list[str]:
    """Name what reads `dataset`: measures (by dataset or by spec) and surveys."""
    # plan.Measure, reached through its foreign key: catalog may not import plan.
    measure_model: Any = Dataset.measures.rel.related_model
    measures = measure_model._default_manager.filter(
        Q(dataset=dataset) | Q(spec__dataset=dataset.slug)
    ).order_by("slug")
    names = [f"measure {slug!r}" for slug in measures.values_list("slug", flat=True)]
    names += [f"survey {slug!r}" for slug in dataset.surveys.values_list("slug", flat=True)]
    return names


def delete_dataset(dataset: Dataset) -> None:
    """Delete `dataset` with its versions and files, unless something reads it."""
    readers = readers_of(dataset)
    if readers:
        raise DatasetRefused(
            f"dataset {dataset.slug!r} is read by {', '.join(readers)}; nothing was deleted. "
            "Point those at another dataset or remove them first."
        )
    slug = dataset.slug
    with versions.dataset_lock(dataset):
        numbers = list(dataset.versions.values_list("number", flat=True))
        try:
            with transaction.atomic():
                dataset.delete()
        except ProtectedError as error:
            names = ", ".join(sorted(str(item) for item in error.protected_objects))
            raise DatasetRefused(
                f"dataset {slug!r} is still used by {names}; nothing was deleted."
            ) from None
        # The database no longer points at any file, so no reader can open one now.
        engine = engines.current()
        for number in numbers:
            with contextlib.suppress(Exception):
                engine.drop_version(slug, number)
        shutil.rmtree(uploads.upload_folder(slug), ignore_errors=True)
        shutil.rmtree(warehouse.dataset_folder(slug), ignore_errors=True)
