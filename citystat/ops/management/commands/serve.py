import os

from django.core.management.base import BaseCommand, CommandParser

from citystat.ops.server import serve


class Command(BaseCommand):
    help = "Serve citystat with a production-grade server (gunicorn) and compressed static files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--workers", type=int, default=min(4, 2 * (os.cpu_count() or 1)), metavar="N"
        )

    def handle(self, *args, host: str, port: int, workers: int, **options) -> None:
        serve(host=host, port=port, workers=workers, stdout=self.stdout)
