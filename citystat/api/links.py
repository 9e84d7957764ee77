"""Absolute links in catalogs that other sites keep (data.json, CKAN): from the site's URL.

A harvester stores every identifier and download URL it reads, so they must name the
site as configured (`CITYSTAT_SITE_URL`), never the request's `Host` header: a request
with a forged Host would otherwise plant links to another site in a catalog that
data.gov or a CKAN copies.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.urls import reverse


def site_url(path: str = "/") -> str:
    """Return `path` (absolute, starting with /) under CITYSTAT_SITE_URL."""
    return settings.CITYSTAT_SITE_URL.rstrip("/") + path


def site_reverse(name: str, *args: str) -> str:
    return site_url(cached_reverse(name, args))


# A catalog answer names thousands of links; resolving each anew was most of its time.
@functools.lru_cache(maxsize=8192)
def cached_reverse(name: str, args: tuple[str, ...]) -> str:
    return reverse(name, args=args)
