"""Form fields in each of the city's languages, beside the default language's.

A form names the fields it translates in `TRANSLATED`; for each, one more input per
other city language follows it, named "title__es", marked `lang` and labelled with the
language's name in the reader's language ("Title (Spanish)"). `field_groups()` groups
each field with its languages for the page (side by side, stacked on phones), and
`translations()` gives what was typed as a model's `translations` value.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import translation

from citystat.city.translations import language_name, translation_languages


def translated_name(field: str, language: str) -> str:
    return f"{field}__{language}"


def translation_initial(element: Any) -> dict[str, str]:
    """Return a form's initial values of `element`'s translations ("title__es": …)."""
    stored = getattr(element, "translations", None) or {}
    return {
        translated_name(field, language): text
        for language, texts in stored.items()
        for field, text in (texts or {}).items()
    }


class LanguageFields(forms.Form):
    """Adds the TRANSLATED fields' inputs in each other city language (see above)."""

    TRANSLATED: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.languages = translation_languages() if self.TRANSLATED else []
        reader = translation.get_language() or "en"
        order: list[str] = []
        for name in list(self.fields):
            order.append(name)
            if name not in self.TRANSLATED:
                continue
            base = self.fields[name]
            for language in self.languages:
                self.fields[translated_name(name, language)] = forms.CharField(
                    label=f"{base.label or name} ({language_name(language, reader)})",
                    required=False,
                    max_length=getattr(base, "max_length", None),
                    widget=type(base.widget)(attrs={**base.widget.attrs, "lang": language}),
                )
                order.append(translated_name(name, language))
        self.order_fields(order)

    def is_translation(self, name: str) -> bool:
        base, _, language = name.partition("__")
        return language in self.languages and base in self.TRANSLATED

    def field_groups(self) -> list[list[forms.BoundField]]:
        """Return the visible fields, each translated one grouped with its languages."""
        groups: list[list[forms.BoundField]] = []
        for bound in self.visible_fields():
            if self.is_translation(bound.name) and groups:
                groups[-1].append(bound)
            else:
                groups.append([bound])
        return groups

    def translations(self) -> dict[str, dict[str, str]]:
        """Return the non-blank texts typed in other languages, {"es": {"title": …}}."""
        typed: dict[str, dict[str, str]] = {}
        for name, value in self.cleaned_data.items():
            if self.is_translation(name) and isinstance(value, str) and value.strip():
                base, _, language = name.partition("__")
                typed.setdefault(language, {})[base] = value.strip()
        return typed
