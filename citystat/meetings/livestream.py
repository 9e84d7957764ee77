"""Livestream embeds from an allow-list of providers, rebuilt from a parsed video id.

A pasted embed code or URL is never put on a page: the form parses the address staff
give, keeps only the provider and the id, and the page builds the player address from
those (docs/meetings.md, "Livestream"). CITYSTAT_LIVESTREAM_PROVIDERS picks the allowed
providers; `own:<host>` adds the city's own channel, whose player lives at
https://<host>/embed/<id>.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from django.conf import settings

VIDEO_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
NUMERIC_ID = re.compile(r"^[0-9]{1,20}$")

PROVIDER_LABELS = {"youtube": "YouTube", "vimeo": "Vimeo"}
YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "youtu.be"}
VIMEO_HOSTS = {"vimeo.com", "www.vimeo.com", "player.vimeo.com"}
# The hosts a provider's player is framed from (the CSP frame-src of meeting pages).
PLAYER_ORIGINS = {
    "youtube": "https://www.youtube-nocookie.com",
    "vimeo": "https://player.vimeo.com",
}


@dataclass(frozen=True)
class Stream:
    provider: str
    video_id: str
    host: str = ""

    @property
    def embed_url(self) -> str:
        if self.provider == "youtube":
            return f"{PLAYER_ORIGINS['youtube']}/embed/{self.video_id}"
        if self.provider == "vimeo":
            return f"{PLAYER_ORIGINS['vimeo']}/video/{self.video_id}"
        return f"https://{self.host}/embed/{self.video_id}"


def allowed_providers() -> list[str]:
    return list(getattr(settings, "CITYSTAT_LIVESTREAM_PROVIDERS", ["youtube", "vimeo"]))


def provider_names() -> list[str]:
    """Return the allowed providers as people know them (for the form's error)."""
    names = []
    for provider in allowed_providers():
        if provider.startswith("own:"):
            names.append(f"the city's channel ({provider[4:]})")
        else:
            names.append(PROVIDER_LABELS.get(provider, provider))
    return names


def player_origins() -> list[str]:
    """Return the origins meeting pages may frame (frame-src), one per allowed provider."""
    origins = []
    for provider in allowed_providers():
        if provider.startswith("own:"):
            origins.append(f"https://{provider[4:]}")
        elif provider in PLAYER_ORIGINS:
            origins.append(PLAYER_ORIGINS[provider])
    return origins


def youtube_id(host: str, path: str, query: str) -> str | None:
    if host == "youtu.be":
        return path.strip("/").split("/")[0]
    if path == "/watch":
        return (parse_qs(query).get("v") or [""])[0]
    parts = path.strip("/").split("/")
    if len(parts) == 2 and parts[0] in ("live", "embed", "shorts"):
        return parts[1]
    return None


def vimeo_id(host: str, path: str) -> str | None:
    parts = path.strip("/").split("/")
    if host == "player.vimeo.com" and len(parts) == 2 and parts[0] == "video":
        return parts[1]
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2 and parts[0] == "event":
        return parts[1]
    return None


def parse_stream(url: str) -> Stream | None:
    """Return the allowed provider and id behind `url`, or None when it is not allowed."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or parts.username or parts.port:
        return None
    host = (parts.hostname or "").lower()
    allowed = allowed_providers()
    if "youtube" in allowed and host in YOUTUBE_HOSTS:
        found = youtube_id(host, parts.path, parts.query)
        return Stream("youtube", found) if found and VIDEO_ID.match(found) else None
    if "vimeo" in allowed and host in VIMEO_HOSTS:
        found = vimeo_id(host, parts.path)
        return Stream("vimeo", found) if found and NUMERIC_ID.match(found) else None
    if f"own:{host}" in allowed:
        path = parts.path.strip("/").split("/")
        found = path[-1] if path else ""
        return Stream("own", found, host) if VIDEO_ID.match(found) else None
    return None
