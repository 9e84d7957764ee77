"""CKAN's error answer and the readers of Action API parameters, shared by its modules.

Parameters arrive as query-string text (a GET, as harvesters send them) or as JSON
values (a POST, as ckanapi sends them); each reader takes both and refuses anything
else with a Validation Error naming the parameter.
"""

from __future__ import annotations

import json
from typing import Any


class ActionError(ValueError):
    """An action refused; the view answers `{"success": false, "error": {"__type", "message"}}`.

    `kind` is CKAN's `__type` ("Validation Error", "Not Found Error", "Search Query
    Error") and `status` the HTTP status CKAN gives it (409, 404, 400).
    """

    def __init__(self, message: str, kind: str = "Validation Error", status: int = 409) -> None:
        super().__init__(message)
        self.kind = kind
        self.status = status


def whole_number(raw: Any, name: str, low: int, high: int, default: int) -> int:
    if raw is None or raw == "":
        return default
    if isinstance(raw, bool):
        raise ActionError(f"{name}: {raw!r} is not a whole number.")
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ActionError(f"{name}: {raw!r} is not a whole number.") from None
    if not low <= value <= high:
        raise ActionError(f"{name}: must be between {low} and {high}.")
    return value


def boolean(raw: Any, name: str, default: bool) -> bool:
    if raw is None or raw == "":
        return default
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off"):
        return False
    raise ActionError(f"{name}: expected true or false, not {str(raw)[:20]!r}.")


def text_list(raw: Any, name: str) -> list[str]:
    """Read a list given as JSON (`["a","b"]`, as CKAN clients send it in a GET) or a list."""
    if raw is None or raw == "":
        return []
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise ActionError(f'{name}: expected a JSON list such as ["tags"].') from None
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise ActionError(f"{name}: expected a list of names.")
    return raw


def required_id(parameters: dict[str, Any], name: str = "id") -> str:
    value: object = parameters.get(name)
    if not value or not isinstance(value, str):
        raise ActionError(f"{name}: Missing value")
    return value


# --- actions ------------------------------------------------------------------------------
