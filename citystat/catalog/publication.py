"""Making data public: who may, and the audit entry each time it happens.

What the public sees of a dataset is its public columns, and only while the dataset
itself is public (`Dataset.is_public`; a column is public unless its schema field says
`"public": false`). Widening that (making the dataset public, or showing a column of a
public dataset that was withheld or new) needs `MAKE_PUBLIC`, which administrators and
the performance office hold and data stewards do not: a steward describes and loads
data, the performance office decides what residents see. Narrowing it is anyone's who
may edit the dataset. Every change of what the public sees, widening or narrowing, is
written to the audit log with the columns it concerns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from citystat.accounts.audit import record
from citystat.accounts.models import AuditEntry
from citystat.catalog.models import Dataset
from citystat.catalog.visibility import field_is_public

MAKE_PUBLIC = "catalog.make_public_dataset"


class MakePublicRefused(Exception):
    """The person may not make this dataset or these columns public; the message says which."""


@dataclass(frozen=True)
class Exposure:
    """What the public sees of one dataset."""

    dataset: bool
    columns: frozenset[str]


def exposure_of(is_public: bool, schema: dict[str, Any]) -> Exposure:
    fields = schema.get("fields", []) if isinstance(schema, dict) else []
    names = frozenset(
        str(spec.get("name")) for spec in fields if isinstance(spec, dict) and field_is_public(spec)
    )
    return Exposure(dataset=is_public, columns=names if is_public else frozenset())


def widening(before: Exposure, after: Exposure) -> list[str]:
    """Name what `after` shows the public that `before` did not, in words."""
    shown = []
    if after.dataset and not before.dataset:
        shown.append("the dataset itself")
    shown += [f"column {name!r}" for name in sorted(after.columns - before.columns)]
    return shown


def check_may_make_public(user: Any, before: Exposure, after: Exposure) -> None:
    """Raise MakePublicRefused naming what would become public if `user` may not do it."""
    shown = widening(before, after)
    if shown and not user.has_perm(MAKE_PUBLIC):
        raise MakePublicRefused(
            f"This would make {', '.join(shown)} public, which needs the {MAKE_PUBLIC} "
            "permission (administrators and the performance office); data stewards may keep "
            'data internal or withhold columns ("public": false), not show them. '
            "Ask the performance office to make it public."
        )


def record_exposure_change(
    dataset: Dataset, before: Exposure, after: Exposure, user: Any = None
) -> None:
    """Write one audit entry when what the public sees of `dataset` changed.

    `user` names who did it where no signed-in request does (`citystat dataset --as`).
    """
    if before == after:
        return
    changes: dict[str, Any] = {}
    if before.dataset != after.dataset:
        changes["is_public"] = [before.dataset, after.dataset]
    shown, hidden = sorted(after.columns - before.columns), sorted(before.columns - after.columns)
    if shown or hidden:
        changes["public columns"] = {"shown": shown, "withheld": hidden}
    verb = "made public" if widening(before, after) else "made less public"
    record(
        AuditEntry.Action.UPDATE,
        instance=dataset,
        changes=changes,
        user=user,
        object_repr=f"{dataset.title}: {verb}",
    )
