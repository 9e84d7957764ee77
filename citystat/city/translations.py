"""Plan content in each of the city's languages, and the one lookup every page reads it by.

The default language's text stays in each model's own fields (`title`, `summary`…), so
every query, ordering and import keeps working; the other languages live in one
`translations` JSONField per model: `{"es": {"title": "…", "summary": "…"}}`.
`localized()` answers in the reader's language and says when it had to fall back to the
default, so a page can mark the fallback (lang attribute and a note) instead of showing
an empty string (docs/public-site.md, "Languages").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import translation

from citystat.city.models import CityProfile
from citystat.lib.errors import CitystatError


class TranslationError(CitystatError):
    """A translations mapping that names a language, field or value it may not hold."""


@dataclass(frozen=True)
class LocalText:
    """A piece of plan content as a reader gets it."""

    text: str
    language: str  # the language `text` is really in
    fell_back: bool  # True when the reader's language had no text and the default stands in

    def __str__(self) -> str:
        return self.text


def default_language() -> str:
    """The language the models' own fields are written in."""
    return settings.LANGUAGE_CODE


def translation_languages(languages: Iterable[str] | None = None) -> list[str]:
    """Return the city's languages other than the default, in the city's order.

    `languages` defaults to the city profile's; passing them lets callers that already
    hold the profile (or a test) skip the lookup.
    """
    if languages is None:
        languages = CityProfile.current().languages or []
    default = default_language()
    return [code for code in dict.fromkeys(languages) if code != default]


def _primary(language: str) -> str:
    return language.split("-")[0].lower()


def localized(obj: Any, field: str, language: str | None = None) -> LocalText:
    """Return `obj.field` in `language` (the active language when None).

    Falls back to the default-language text, and says so, when there is no non-blank
    text in that language; never answers an empty string while the default has text.
    """
    default = default_language()
    language = language or translation.get_language() or default
    base = getattr(obj, field) or ""
    if _primary(language) == _primary(default):
        return LocalText(base, default, False)
    stored: Mapping[str, Mapping[str, str]] = getattr(obj, "translations", None) or {}
    for code in (language, _primary(language)):
        text = (stored.get(code) or {}).get(field)
        if isinstance(text, str) and text.strip():
            return LocalText(text, code, False)
    # Nothing in any language is nothing to mark: a blank summary stays blank.
    return LocalText(base, default, bool(base))


def validate_translations(
    value: object,
    fields: Iterable[str],
    languages: Iterable[str] | None = None,
    where: str = "translations",
) -> dict[str, dict[str, str]]:
    """Return `value` cleaned (blank texts dropped), or raise TranslationError saying what
    is wrong: only the city's languages other than the default, only `fields`, strings."""
    allowed_languages = translation_languages(languages)
    allowed_fields = list(fields)
    if value in (None, ""):
        return {}
    if not isinstance(value, Mapping):
        raise TranslationError(
            f"{where}: expected a mapping of language code to texts, got {type(value).__name__}."
        )
    cleaned: dict[str, dict[str, str]] = {}
    for language, texts in value.items():
        if language == default_language():
            raise TranslationError(
                f"{where}: {language!r} is the default language; its text goes in the "
                "element's own fields, not in translations."
            )
        if language not in allowed_languages:
            offered = ", ".join(allowed_languages) or "none (the city has one language)"
            raise TranslationError(
                f"{where}: {language!r} is not one of the city's other languages "
                f"(expected one of: {offered})."
            )
        if texts in (None, ""):
            continue
        if not isinstance(texts, Mapping):
            raise TranslationError(
                f"{where}.{language}: expected a mapping of field to text, "
                f"got {type(texts).__name__}."
            )
        kept: dict[str, str] = {}
        for field, text in texts.items():
            if field not in allowed_fields:
                raise TranslationError(
                    f"{where}.{language}: {field!r} cannot be translated here "
                    f"(expected one of: {', '.join(allowed_fields)})."
                )
            if text is None:
                continue
            if not isinstance(text, str):
                raise TranslationError(
                    f"{where}.{language}.{field}: expected text, got {type(text).__name__}."
                )
            if text.strip():
                kept[field] = text.strip()
        if kept:
            cleaned[language] = kept
    return cleaned


def language_name(code: str, in_language: str) -> str:
    """Return the name of language `code` as a reader of `in_language` writes it."""
    # Imported here: Babel (and its locale data) is only needed when a page marks a
    # fallback, and start-up loads this module.
    from babel import Locale, UnknownLocaleError  # noqa: PLC0415

    try:
        return Locale.parse(in_language.replace("-", "_")).languages.get(code, code)
    except (UnknownLocaleError, ValueError):
        return code
