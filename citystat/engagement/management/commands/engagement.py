from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from citystat.engagement.mastodon import poll_hashtag
from citystat.engagement.models import Watch
from citystat.engagement.watches import WatchRefused, declare_watch


class Command(BaseCommand):
    help = (
        "Bring in resident questions from social media (poll-mastodon INSTANCE HASHTAG), "
        "or declare a dataset's watch (watch SLUG --by COLUMN --show COLUMNS)."
    )
    # Commands start in well under a second; `citystat check` runs the system checks.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        poll = actions.add_parser(
            "poll-mastodon", help="Store new posts of a Mastodon hashtag as pending questions."
        )
        poll.add_argument("instance", help="The Mastodon server, e.g. https://mastodon.social")
        poll.add_argument("hashtag", help="The hashtag to follow, with or without #.")
        watch = actions.add_parser(
            "watch", help="Create or replace the watch that turns a dataset's loads into news."
        )
        watch.add_argument("slug", help="The dataset, such as demolitions.")
        watch.add_argument(
            "--rows", choices=Watch.Rows.values, default=Watch.Rows.NEW, help="default: new"
        )
        watch.add_argument(
            "--by",
            action="append",
            required=True,
            metavar="COLUMN[=KIND]",
            help="a place column (repeat for several); KIND is neighborhood or district",
        )
        watch.add_argument(
            "--show", required=True, metavar="COLUMNS", help="columns to show, comma-separated"
        )
        watch.add_argument("--publish", action="store_true", help="publish drafted updates at once")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "watch":
            show = [name.strip() for name in options["show"].split(",") if name.strip()]
            try:
                watch, created = declare_watch(
                    options["slug"],
                    rows=options["rows"],
                    places=options["by"],
                    show=show,
                    publish=options["publish"],
                )
            except WatchRefused as error:
                raise CommandError(str(error), returncode=2) from None
            self.stdout.write(
                f"{'Created' if created else 'Replaced'} the watch on {watch.dataset.slug}: "
                f"{watch.get_rows_display().lower()} by {', '.join(watch.place_fields)}, "
                + ("published at once." if watch.publish_automatically else "drafts for review.")
            )
            return
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
