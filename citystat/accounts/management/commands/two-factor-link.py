from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from citystat.accounts.enrolment import LIFETIME, link_for


class Command(BaseCommand):
    help = "Print a single-use link that lets a person set up two-factor sign-in (for an hour)."
    # Commands start in well under a second; `citystat check` runs the system checks.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="the account that will set up an authenticator")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active account is named {options['username']!r}.")
        minutes = int(LIFETIME.total_seconds() // 60)
        self.stdout.write(
            f"Open this path on the site within {minutes} minutes; it works once:\n{link_for(user)}"
        )
