import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from citystat.peers.models import Peer
from citystat.peers.refresh import refresh_peers
from citystat.peers.register import (
    add_peer,
    link_peer,
    parse_column_map,
    peer_summary,
    set_public,
)
from citystat.peers.sources import PeerError


class Command(BaseCommand):
    help = "Add, link, publish, refresh and list peer cities and benchmark files."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        add = actions.add_parser("add", help="register a peer city or a benchmark file")
        add.add_argument("name")
        add.add_argument("--kind", required=True, choices=Peer.Kind.values)
        add.add_argument("--url", required=True, help="base URL, or the benchmark file")
        add.add_argument("--slug")
        add.add_argument("--dataset-id", help="SODA: the portal's dataset id (abcd-1234)")
        add.add_argument("--dataset", help="SODA: the slug of our dataset it stands for")
        add.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="OURS=THEIRS",
            help="SODA: our field = their column (repeat), e.g. created_date='CREATION DATE'",
        )
        add.add_argument("--population", type=int)
        add.add_argument("--fiscal-year-start", help="MM-DD, such as 07-01")
        add.add_argument("--row-limit", type=int)
        add.add_argument("--schedule", help="daily, every 6 hours, or a cron line")
        add.add_argument("--public", action="store_true", help="show it on the public site")
        add.add_argument("--synthetic", action="store_true", help="made-up figures (a demo)")
        link = actions.add_parser("link", help="set a peer's figure beside one of our measures")
        link.add_argument("peer")
        link.add_argument("measure")
        link.add_argument("--theirs", default="", help="the peer's measure slug, if not ours")
        link.add_argument("--note", default="", help="how their definition differs from ours")
        for name, words in (("publish", "show"), ("unpublish", "stop showing")):
            public = actions.add_parser(name, help=f"{words} a peer on the public site")
            public.add_argument("peer")
        refresh = actions.add_parser("refresh", help="read the peers' figures again")
        refresh.add_argument("peers", nargs="*", help="these peers only (default: all)")
        refresh.add_argument(
            "--due", action="store_true", help="only the peers their schedule says are due"
        )
        listing = actions.add_parser("list", help="list peers and their state")
        listing.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"do_{options['action']}")(options)
        except PeerError as error:
            raise CommandError(str(error)) from None

    def do_add(self, options: dict[str, Any]) -> None:
        month = day = None
        if options["fiscal_year_start"]:
            try:
                month, day = (int(part) for part in options["fiscal_year_start"].split("-"))
            except ValueError:
                raise CommandError("--fiscal-year-start: write MM-DD, such as 07-01.") from None
        peer = add_peer(
            options["name"],
            options["kind"],
            options["url"],
            slug=options["slug"],
            dataset_id=options["dataset_id"],
            dataset=options["dataset"],
            column_map=parse_column_map(options["map"]) if options["map"] else None,
            population=options["population"],
            fiscal_year_start_month=month,
            fiscal_year_start_day=day,
            row_limit=options["row_limit"],
            schedule=options["schedule"],
            is_public=True if options["public"] else None,
            is_synthetic=True if options["synthetic"] else None,
        )
        self.stdout.write(f"{peer.slug}: {peer.get_kind_display()} added")

    def do_link(self, options: dict[str, Any]) -> None:
        link = link_peer(options["peer"], options["measure"], options["theirs"], options["note"])
        self.stdout.write(f"{link.peer.slug} → {link.measure.slug}")

    def do_publish(self, options: dict[str, Any]) -> None:
        self.stdout.write(f"{set_public(options['peer'], True).slug}: public")

    def do_unpublish(self, options: dict[str, Any]) -> None:
        self.stdout.write(f"{set_public(options['peer'], False).slug}: not public")

    def do_refresh(self, options: dict[str, Any]) -> None:
        results = refresh_peers(options["peers"] or None, due_only=options["due"])
        for result in results:
            self.stdout.write(f"{result.peer.slug}: {result.stored} figure(s)")
            for slug, why in sorted(result.failed.items()):
                self.stderr.write(f"{result.peer.slug}: {slug + ': ' if slug else ''}{why}")
        if any(result.failed for result in results):
            raise CommandError("some peers failed; their last good figures are kept.")

    def do_list(self, options: dict[str, Any]) -> None:
        summaries = [peer_summary(peer) for peer in Peer.objects.all()]
        if options["json"]:
            self.stdout.write(json.dumps(summaries, indent=2))
            return
        for item in summaries:
            public = "public" if item["public"] else "staff only"
            line = f"{item['slug']}\t{item['kind']}\t{item['state']}\t{public}\t{item['figures']}"
            self.stdout.write(
                line + (f"\t{item['last_error'].splitlines()[0]}" if item["last_error"] else "")
            )
