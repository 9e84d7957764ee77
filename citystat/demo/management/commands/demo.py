import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from citystat.demo.build import DEFAULT_ROWS, DEFAULT_SEED, build_demo_city
from citystat.demo.sign_in import describe, prepare_demo_sign_ins
from citystat.ops.server import adopt_site_url


class Command(BaseCommand):
    help = "Build the demo city (data, datasets, plan) and serve it on http://127.0.0.1:8000."
    # Commands start in well under a second; `citystat check` runs the system checks.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="311 requests to make.")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument("--fresh", action="store_true", help="Rebuild from scratch.")
        parser.add_argument("--no-serve", action="store_true", help="Build, then exit.")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, **options) -> None:
        if options["rows"] < 1:
            raise CommandError(
                f"--rows {options['rows']} must be a positive number of 311 requests, "
                f"such as --rows {DEFAULT_ROWS}.",
                returncode=2,
            )
        if not options["no_serve"]:
            # Before the build, so any email it sends links to the port served.
            adopt_site_url(options["host"], options["port"])
        started = time.monotonic()
        build = build_demo_city(
            rows=options["rows"],
            seed=options["seed"],
            fresh=options["fresh"],
            show_progress=options["verbosity"] > 0,
        )
        seconds = time.monotonic() - started
        if build.reused:
            self.stdout.write(f"Demo city already built in {build.data_dir.parent}; reusing it.")
        else:
            loaded = ", ".join(f"{slug} {rows:,}" for slug, rows in build.loaded.items())
            self.stdout.write(f"Demo city built in {seconds:.0f} s ({loaded} rows).")
        # The city just built (or reused) is the demo, so its sign-ins may be made here.
        sign_ins = prepare_demo_sign_ins(options["host"], is_demo_city=True)
        site_url = f"http://{options['host']}:{options['port']}"
        self.stdout.write(describe(sign_ins, site_url))
        if not options["no_serve"]:
            call_command("serve", host=options["host"], port=options["port"])
