"""Time zones by the name people use ("Central Time", "hora central"), not the IANA id.

The names come from CLDR through babel, so any city's zone reads right in each of the
site's languages without a table of our own; an IANA id babel does not know is shown
as it is rather than guessed.
"""

from __future__ import annotations

from babel import Locale, UnknownLocaleError
from babel.dates import get_timezone, get_timezone_name
from django.utils import translation


def zone_label(time_zone: str, language: str | None = None) -> str:
    """Return the zone's generic name in `language` (the active one when not given)."""
    language = language or translation.get_language() or "en"
    try:
        locale = Locale.parse(translation.to_locale(language))
    except (UnknownLocaleError, ValueError):
        locale = Locale.parse("en")
    try:
        return str(get_timezone_name(get_timezone(time_zone), width="long", locale=locale))
    except LookupError:
        return time_zone
