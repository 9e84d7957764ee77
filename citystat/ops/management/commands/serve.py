import os

from django.core.management.base import BaseCommand, CommandParser

from citystat.ops.server import DEFAULT_THREADS, collect_static_if_changed, serve


class Command(BaseCommand):
    help = "Serve citystat with a production-grade server (gunicorn) and compressed static files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--workers", type=int, default=min(4, 2 * (os.cpu_count() or 1)), metavar="N"
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=DEFAULT_THREADS,
            metavar="N",
            help=f"Threads per worker, each answering one request (default {DEFAULT_THREADS}).",
        )
        parser.add_argument(
            "--collect-only",
            action="store_true",
            help="Collect and compress static files if they changed, then exit (image builds).",
        )

    def handle(
        self,
        *args,
        host: str,
        port: int,
        workers: int,
        threads: int,
        collect_only: bool,
        **options,
    ) -> None:
        if collect_only:
            ran = collect_static_if_changed()
            self.stdout.write("Static files collected." if ran else "Static files are current.")
            return
        serve(host=host, port=port, workers=workers, threads=threads, stdout=self.stdout)
