"""CKAN's error answer, shared by the Action API modules."""

from __future__ import annotations


class ActionError(ValueError):
    """An action refused; the view answers `{"success": false, "error": {"__type", "message"}}`.

    `kind` is CKAN's `__type` ("Validation Error", "Not Found Error", "Search Query
    Error") and `status` the HTTP status CKAN gives it (409, 404, 400).
    """

    def __init__(self, message: str, kind: str = "Validation Error", status: int = 409) -> None:
        super().__init__(message)
        self.kind = kind
        self.status = status
