"""Plan content in the reader's language: `{% load city_languages %}{{ goal|localized:"title" }}`.

`localized` writes HTML: when the reader's language has no text, the default's stands in
inside `<span lang="en">` (so a screen reader switches voice) followed by a small note in
the reader's language, "(en inglés)". `localized_text` gives the bare text for places
that cannot hold markup (`<title>`, attributes, feeds).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.defaultfilters import linebreaksbr
from django.utils import translation
from django.utils.html import conditional_escape, format_html, linebreaks
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from citystat.city.translations import LocalText, language_name, localized

register = template.Library()


def _marked(obj: Any, field: str, lines: bool) -> SafeString | str:
    if obj is None:
        return ""
    local = localized(obj, field)
    text = linebreaksbr(local.text, autoescape=True) if lines else conditional_escape(local.text)
    if not local.fell_back:
        return mark_safe(text)  # escaped just above
    return format_html(
        '<span lang="{}">{}</span> {}',
        local.language,
        mark_safe(text),  # escaped just above
        fallback_note(local),
    )


@register.filter
def fallback_note(local: LocalText | None) -> SafeString | str:
    """The note after a fallback text, "(en inglés)"; nothing when there was no fallback."""
    if local is None or not local.fell_back:
        return ""
    reader = translation.get_language() or local.language
    note = gettext("(in %(language)s)") % {"language": language_name(local.language, reader)}
    return format_html('<small class="translation-fallback">{}</small>', note)


@register.filter
def local(obj: Any, field: str) -> LocalText | None:
    """The field as a LocalText, for a template's test of whether there is any text:
    `{% with summary=goal|local:"summary" %}{% if summary.text %}`. The reader's text
    counts, so a translation shows even where the default text is blank."""
    return None if obj is None else localized(obj, field)


@register.filter
def has_text(obj: Any, field: str) -> bool:
    """Whether the field has text for this reader: `{% if goal|has_text:"summary" %}`.

    Testing `goal.summary` tests the default language's text, and so hid a translation
    wherever the default text is blank."""
    return obj is not None and bool(localized(obj, field).text.strip())


@register.filter
def localized_paragraphs(obj: Any, field: str) -> SafeString | str:
    """As `localized`, as paragraphs (a blank line starts one): an update's body. A
    fallback is one block in lang="en" followed by the note."""
    if obj is None:
        return ""
    found = localized(obj, field)
    paragraphs = linebreaks(found.text, autoescape=True)
    if not found.fell_back:
        return mark_safe(paragraphs)  # escaped by linebreaks
    return format_html(
        '<div lang="{}">{}</div><p>{}</p>',
        found.language,
        mark_safe(paragraphs),  # escaped by linebreaks
        fallback_note(found),
    )


@register.filter(name="localized")
def localized_html(obj: Any, field: str) -> SafeString | str:
    """The field in the reader's language, a fallback marked with lang and a note."""
    return _marked(obj, field, lines=False)


@register.filter
def localized_lines(obj: Any, field: str) -> SafeString | str:
    """As `localized`, with the text's line breaks kept (narratives, definitions)."""
    return _marked(obj, field, lines=True)


@register.filter
def localized_text(obj: Any, field: str) -> str:
    """The field's text in the reader's language (the default's when it has none)."""
    return "" if obj is None else localized(obj, field).text
