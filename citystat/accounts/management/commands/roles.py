from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from citystat.accounts.permissions import ROLES
from citystat.accounts.roles import sync_roles


class Command(BaseCommand):
    help = "Create the staff role groups and give each exactly the permissions in the role table."
    # Commands start in well under a second; `citystat check` runs the system checks.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "action", choices=["sync", "list"], help="sync the groups, or list the roles"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            for role, spec in ROLES.items():
                self.stdout.write(f"{role}: {spec.description}")
            return
        for role, count in sync_roles().items():
            self.stdout.write(f"{role}: {count} permissions")
