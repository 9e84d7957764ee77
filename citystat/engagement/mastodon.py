"""Read residents' questions from a Mastodon hashtag timeline (public API, no key needed).

`poll_hashtag` asks `<instance>/api/v1/timelines/tag/<hashtag>?since_id=…` for posts newer
than the last one it read (kept in `MastodonCursor`), walking back through older pages with
`max_id` when more than one page arrived since the last poll. Each post's HTML is reduced
to plain text, and it goes through the same intake as any question: checked, flagged,
stored as pending. A post already stored is never stored again.
"""

from __future__ import annotations

import json
import re
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from typing import Any

from django.utils import timezone

from citystat.engagement.intake import Intake, QuestionRefused, receive_question
from citystat.engagement.models import MastodonCursor, Question

PAGE_SIZE = 40
MOST_PAGES = 10
TIMEOUT_SECONDS = 20
USER_AGENT = "citystat (resident questions)"
HASHTAG = re.compile(r"^[\w]{1,100}$", re.UNICODE)


class TextOnly(HTMLParser):
    """Keep the text of a post's HTML; paragraphs and line breaks become new lines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "p":
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = TextOnly()
    parser.feed(html)
    parser.close()
    text = unescape("".join(parser.parts))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


@dataclass
class PollReport:
    fetched: int = 0
    stored: int = 0
    refused: list[str] = field(default_factory=list)


def fetch_page(instance: str, hashtag: str, params: dict[str, str]) -> list[dict[str, Any]]:
    query = urllib.parse.urlencode({"limit": str(PAGE_SIZE), **params})
    tag = urllib.parse.quote(hashtag)
    url = f"{instance.rstrip('/')}/api/v1/timelines/tag/{tag}?{query}"
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
        posts = json.load(response)
    if not isinstance(posts, list):
        raise ValueError(f"{url} did not answer with a list of posts")
    return [post for post in posts if isinstance(post, dict) and "id" in post]


def id_order(post_id: str) -> tuple[int, str]:
    """Sort Mastodon ids (decimal strings of growing length) as numbers."""
    return (len(post_id), post_id)


def new_posts(instance: str, hashtag: str, since_id: str) -> list[dict[str, Any]]:
    """Return every post newer than `since_id`, oldest first (at most MOST_PAGES pages)."""
    params = {"since_id": since_id} if since_id else {}
    posts: list[dict[str, Any]] = []
    for _ in range(MOST_PAGES):
        page = fetch_page(instance, hashtag, params)
        posts.extend(page)
        if len(page) < PAGE_SIZE or not since_id:
            break
        params = {"since_id": since_id, "max_id": min((str(p["id"]) for p in page), key=id_order)}
    unique = {str(post["id"]): post for post in posts}
    return [unique[key] for key in sorted(unique, key=id_order)]


def poll_hashtag(instance: str, hashtag: str) -> PollReport:
    """Store the hashtag's new posts as pending questions; remember the newest post read."""
    hashtag = hashtag.lstrip("#")
    if not HASHTAG.match(hashtag):
        raise ValueError(f"{hashtag!r} is not a hashtag (letters, digits and _ only)")
    cursor, _ = MastodonCursor.objects.get_or_create(instance=instance.rstrip("/"), hashtag=hashtag)
    report = PollReport()
    posts = new_posts(cursor.instance, hashtag, cursor.since_id)
    report.fetched = len(posts)
    for post in posts:
        post_id = str(post["id"])
        account = post.get("account") or {}
        intake = Intake(
            text=html_to_text(str(post.get("content") or "")),
            channel=Question.Channel.MASTODON,
            name=str(account.get("display_name") or account.get("acct") or "")[:120],
            source=cursor.instance,
            external_id=post_id,
            external_url=str(post.get("url") or "")[:500],
        )
        try:
            already = Question.objects.filter(
                channel=intake.channel, source=intake.source, external_id=post_id
            ).exists()
            receive_question(intake)
            report.stored += 0 if already else 1
        except QuestionRefused as refusal:
            report.refused.append(f"{post_id}: {refusal.message}")
        if not cursor.since_id or id_order(post_id) > id_order(cursor.since_id):
            cursor.since_id = post_id
    cursor.polled_at = timezone.now()
    cursor.save()
    return report
