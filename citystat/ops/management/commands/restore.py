from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from citystat.ops.backup import restore_backup, settings_fingerprint


class Command(BaseCommand):
    help = "Restore a citystat backup archive into this installation, then migrate it."
    # Commands start in well under a second; `citystat check` runs the system checks.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path, help="an archive written by citystat backup")
        parser.add_argument(
            "--replace", action="store_true", help="overwrite a database that has data"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        manifest = restore_backup(options["archive"], replace=options["replace"])
        self.stdout.write(
            f"restored {options['archive']} (citystat {manifest['citystat_version']}, "
            f"made {manifest['created_at']}) into {settings.CITYSTAT_HOME}."
        )
        archived = manifest.get("settings", {}).get("secret_key_sha256")
        if archived and archived != settings_fingerprint()["secret_key_sha256"]:
            self.stderr.write(
                "note: CITYSTAT_SECRET_KEY differs from the backed-up site's; everyone must "
                "sign in again and open invitation and reset links no longer work."
            )
