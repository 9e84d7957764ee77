from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from citystat.engagement.mastodon import poll_hashtag


class Command(BaseCommand):
    help = "Bring in resident questions from social media (poll-mastodon INSTANCE HASHTAG)."
    # Commands start in well under a second; `citystat check` runs the system checks.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        poll = actions.add_parser(
            "poll-mastodon", help="Store new posts of a Mastodon hashtag as pending questions."
        )
        poll.add_argument("instance", help="The Mastodon server, e.g. https://mastodon.social")
        poll.add_argument("hashtag", help="The hashtag to follow, with or without #.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "poll-mastodon":
            try:
                report = poll_hashtag(options["instance"], options["hashtag"])
            except (OSError, ValueError) as error:
                raise CommandError(f"could not read {options['instance']}: {error}") from error
            self.stdout.write(
                f"Read {report.fetched} post(s); stored {report.stored} new question(s) "
                "for moderation."
            )
            for refusal in report.refused:
                self.stdout.write(f"Refused {refusal}")
