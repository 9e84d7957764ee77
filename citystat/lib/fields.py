"""Model fields shared by the apps."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models


# django-stubs make model fields generic; Django's own classes cannot be subscripted.
class URLField(models.URLField):  # type: ignore[type-arg]
    """A URL field whose forms add `https://` to an address typed without a scheme.

    Django 6 makes https the default; saying so now keeps every form (staff pages and the
    admin alike) from warning and behaves as people expect of a link today.
    """

    def formfield(
        self,
        form_class: type[forms.Field] | None = None,
        choices_form_class: type[forms.ChoiceField] | None = None,
        **kwargs: Any,
    ) -> forms.Field | None:
        kwargs.setdefault("assume_scheme", "https")
        # Django's URLField.formfield takes keywords only, and supplies its own form class.
        if form_class is not None:
            kwargs["form_class"] = form_class
        if choices_form_class is not None:
            kwargs["choices_form_class"] = choices_form_class
        return super().formfield(**kwargs)
