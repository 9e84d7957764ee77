"""Making an export in one format and language, and keeping public copies.

A public export is the same for every reader of one language until the data behind it
changes, so its bytes are kept in the cache under a fingerprint of that data
(content.data_stamp): the second reader gets the copy, and a new value, target or
approved narrative makes a new one. Staff exports are made on each request: they are
few, and may show internal measures that must not sit in a shared copy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from citystat.reports.content import Audience, Report, ReportError, build_report, data_stamp

CACHE_SECONDS = 24 * 60 * 60
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "pdf": "application/pdf",
}


@dataclass
class Export:
    content: bytes
    filename: str
    content_type: str
    is_empty: bool


def builder(fmt: str) -> Callable[[Report], bytes]:
    # The builders import here, not at the top: they load openpyxl, python-pptx and
    # WeasyPrint, which the report pages (this module loads with the URLs) do not need.
    if fmt == "xlsx":
        from citystat.reports.workbook import build_workbook  # noqa: PLC0415

        return build_workbook
    if fmt == "pptx":
        from citystat.reports.deck import build_deck  # noqa: PLC0415

        return build_deck
    if fmt == "pdf":
        from citystat.reports.annual import build_annual_pdf  # noqa: PLC0415

        return build_annual_pdf
    raise ReportError(f"An export is an xlsx workbook, a pptx deck or a pdf report, not {fmt!r}.")


def language_or_default(language: str | None) -> str:
    """Return `language` if the site offers it, else the active language."""
    offered = {code for code, _ in settings.LANGUAGES}
    if language in offered:
        return str(language)
    return translation.get_language() or settings.LANGUAGE_CODE


def make_export(
    kind: str,
    slug: str,
    fmt: str,
    *,
    period: str | None = None,
    language: str | None = None,
    audience: Audience = "public",
    include_internal: bool = False,
) -> Export:
    """Return the export of `kind` `slug` as `fmt` in `language` (a kept copy if public).

    Raises ReportError, before anything is made, for an unknown format, scope or period.
    """
    build = builder(fmt)
    language = language_or_default(language)
    with translation.override(language):
        report = build_report(
            kind, slug, period=period, audience=audience, include_internal=include_internal
        )
        name = report.filename(fmt)
        if audience == "public":
            key = (
                f"citystat:export:{fmt}:{report.kind}:{report.slug}:{report.fiscal_year}:"
                f"{language}:{data_stamp(report.plan)}"
            )
            kept = cache.get(key)
            if kept is None:
                kept = build(report)
                cache.set(key, kept, CACHE_SECONDS)
            content = bytes(kept)
        else:
            content = build(report)
    return Export(content, name, CONTENT_TYPES[fmt], report.is_empty)
