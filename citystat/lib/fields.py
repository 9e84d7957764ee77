"""Model fields shared by the apps."""

from __future__ import annotations

from typing import Any

from django.db import models


class URLField(models.URLField):
    """A URL field whose forms add `https://` to an address typed without a scheme.

    Django 6 makes https the default; saying so now keeps every form (staff pages and the
    admin alike) from warning and behaves as people expect of a link today.
    """

    def formfield(self, **kwargs: Any) -> Any:
        return super().formfield(**{"assume_scheme": "https", **kwargs})
