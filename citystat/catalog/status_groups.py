"""Status groups: a field's own codes (`RESOL`, `CANC`, …) gathered into a few plain groups.

A Table Schema field may carry `groups`, a citystat extension beside `public`:

    {"name": "status", "enum": [...], "groups": {"open": ["OPEN", "ASSIG"], "closed": [...]}}

Measure specs read a row's group as `group_of(status) = 'closed'`
(plan/compute/filters.py) and Open311 reports the open group as `open` and every other
group as `closed` (api/open311.py), so a city's vocabulary is written down once, in its
schema or preset, and every feature agrees on it.
"""

from __future__ import annotations

from typing import Any

# The groups a status may belong to. Open311 knows only open and closed; the other two
# are closed there, and measures can leave them out of a backlog or a share.
STATUS_GROUPS = ("open", "closed", "cancelled", "duplicate")


class StatusGroupError(ValueError):
    pass


def check_groups(spec: dict[str, Any]) -> None:
    """Raise StatusGroupError when a field's `groups` are not a valid grouping of its codes.

    Each group is one of STATUS_GROUPS and lists text codes; no code is in two groups, and
    when the field has an enum every code of it is in exactly one group.
    """
    groups = spec.get("groups")
    if groups is None:
        return
    name = spec.get("name")
    if spec.get("type", "string") != "string":
        raise StatusGroupError(f"field {name!r} has groups but is not a text field.")
    if not isinstance(groups, dict) or not groups:
        raise StatusGroupError(
            f"field {name!r}: groups should map a group to its codes, such as "
            "{open: [OPEN], closed: [RESOL]}."
        )
    seen: dict[str, str] = {}
    for group, codes in groups.items():
        if group not in STATUS_GROUPS:
            raise StatusGroupError(
                f"field {name!r}: group {group!r} is not one of {', '.join(STATUS_GROUPS)}."
            )
        if not isinstance(codes, list) or not all(isinstance(code, str) for code in codes):
            raise StatusGroupError(f"field {name!r}: group {group!r} should list text codes.")
        for code in codes:
            if code in seen:
                raise StatusGroupError(
                    f"field {name!r}: code {code!r} is in both {seen[code]!r} and {group!r}."
                )
            seen[code] = group
    enum = (spec.get("constraints") or {}).get("enum")
    if enum is not None:
        ungrouped = [str(code) for code in enum if str(code) not in seen]
        if ungrouped:
            raise StatusGroupError(
                f"field {name!r}: code(s) {', '.join(ungrouped)} of its enum are in no group."
            )
        stray = [code for code in seen if code not in {str(value) for value in enum}]
        if stray:
            raise StatusGroupError(
                f"field {name!r}: grouped code(s) {', '.join(stray)} are not in its enum."
            )


def schema_groups(table_schema: dict[str, Any]) -> dict[str, dict[str, list[str]]]:
    """Return {field name: {group: codes}} for every field of the schema that has groups."""
    return {
        str(spec["name"]): {str(group): list(codes) for group, codes in spec["groups"].items()}
        for spec in table_schema.get("fields", [])
        if isinstance(spec, dict) and isinstance(spec.get("groups"), dict)
    }


def codes_in(groups: dict[str, list[str]], wanted: list[str]) -> list[str]:
    """Return the codes of the `wanted` groups, in the order the schema lists them."""
    return [code for group in wanted for code in groups.get(group, [])]
