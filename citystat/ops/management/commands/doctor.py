import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from citystat.lib.sizes import human_size
from citystat.ops.space import disk_free, home_usage


class Command(BaseCommand):
    help = "Show the disk space each part of CITYSTAT_HOME uses (warehouse, exports, uploads…)."
    # Commands start in well under a second; `citystat check` runs the system checks.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print a JSON object.")

    def handle(self, *args, **options) -> None:
        parts = home_usage()
        free = disk_free(Path(settings.CITYSTAT_HOME))
        if options["json"]:
            body = {
                "home": str(settings.CITYSTAT_HOME),
                "parts": [part.to_dict() for part in parts],
                "disk_free_bytes": free,
            }
            self.stdout.write(json.dumps(body, indent=2))
            return
        self.stdout.write(f"Space used in {settings.CITYSTAT_HOME}:")
        width = max(len(part.name) for part in parts)
        for part in parts:
            where = f"  {part.path}" if part.path else ""
            self.stdout.write(
                f"  {part.name:<{width}}  {human_size(part.bytes):>10}  "
                f"{part.files:>7,} files{where}"
            )
        self.stdout.write(f"Free on its disk: {human_size(free)}.")
