"""What the language switch in every page's footer accepts (the view is
citystat/public/views/about.py): a plain GET link target.

Django's own switch (`POST /i18n/setlang/`) needs a CSRF token in the form, so every page
that carried it held a token of its reader's own and could not be served from a shared
cache. Choosing the language a page is shown in changes no state of the site that CSRF
protects, only the reader's `django_language` cookie, so this switch is a GET: it sets
the cookie and returns to `next`, which must be a page of this site (anything else is
refused, never followed: an open redirect would let a link on another site send readers
anywhere through this one).
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _


def refusal(language: str, next_url: str) -> str | None:
    """Return why the switch refuses this choice, or None when it is fine."""
    offered = dict(settings.LANGUAGES)
    if language not in offered or not check_for_language(language):
        names = ", ".join(sorted(offered))
        return _("Unknown language “%(language)s”: this site is offered in %(names)s.") % {
            "language": language[:20],
            "names": names,
        }
    if not next_url.startswith("/") or next_url.startswith("//"):
        return _("The page to return to must be a page of this site.")
    return None
