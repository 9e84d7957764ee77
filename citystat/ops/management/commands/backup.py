from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from citystat.lib.disk import disk_errors
from citystat.ops.backup import create_backup


class Command(BaseCommand):
    help = "Write the app database, warehouse and uploaded files to one .tar.zst archive."
    # Commands start in well under a second; `citystat check` runs the system checks.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("output", type=Path, help="the archive to write, e.g. backup.tar.zst")
        parser.add_argument("--force", action="store_true", help="overwrite an existing file")

    def handle(self, *args: Any, **options: Any) -> None:
        output: Path = options["output"]
        if output.exists() and not options["force"]:
            raise CommandError(f"{output} exists; choose another name or pass --force.")
        with disk_errors(settings.CITYSTAT_HOME):
            manifest = create_backup(output)
        self.stdout.write(
            f"wrote {output}: {manifest['database']['vendor']} database, "
            f"{manifest['warehouse_files']} warehouse files, {manifest['media_files']} media "
            f"files (citystat {manifest['citystat_version']})."
        )
