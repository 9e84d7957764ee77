from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email
from django.db.models import Q

from citystat.accounts.invitations import LIFETIME, invite_from_command_line
from citystat.accounts.permissions import ROLES, Role
from citystat.city.models import Department


def department_named(given: str) -> Department:
    """Return the department whose code or name is `given` (any case), or refuse naming them."""
    found = Department.objects.filter(Q(code__iexact=given) | Q(name__iexact=given)).first()
    if found is None:
        known = ", ".join(Department.objects.order_by("code").values_list("code", flat=True))
        raise CommandError(
            f"--department {given!r} is not a department's code or name; "
            f"the departments are: {known or 'none yet (citystat city sets them)'}.",
            returncode=2,
        )
    return found


class Command(BaseCommand):
    help = "Invite staff from the command line: users add EMAIL --role ROLE [--department D]."
    # Commands start in well under a second; `citystat check` runs the system checks.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        add = actions.add_parser(
            "add", help="Create an invitation and print its link (the person picks a password)."
        )
        add.add_argument("email", help="where the person reads their mail")
        add.add_argument("--role", required=True, help=f"one of: {', '.join(ROLES)}")
        add.add_argument(
            "--department",
            action="append",
            default=[],
            help="a department's code or name; repeat for several (needed by department-editor)",
        )
        add.add_argument(
            "--site-url",
            default=getattr(settings, "CITYSTAT_SITE_URL", "") or "http://127.0.0.1:8000",
            help="the address the link starts with, such as https://stat.example.gov",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        email = options["email"].strip()
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"{email!r} is not an email address.", returncode=2) from None
        role = options["role"]
        if role not in ROLES:
            raise CommandError(
                f"--role {role!r} is not a role; the roles are: {', '.join(ROLES)}.",
                returncode=2,
            )
        departments = [department_named(given) for given in options["department"]]
        if ROLES[role].scoped and not departments:
            raise CommandError(
                f"a {Role(role).label.lower()} works for departments: name at least one "
                "with --department.",
                returncode=2,
            )
        existing = User.objects.filter(email__iexact=email).first()
        if existing is not None:
            raise CommandError(
                f"{email} already has an account ({existing.username}); "
                "an administrator changes its roles in the Django admin.",
                returncode=2,
            )
        invitation, link = invite_from_command_line(email, role, departments)
        where = f" for {', '.join(d.name for d in departments)}" if departments else ""
        self.stdout.write(
            f"Invited {invitation.email} as {Role(role).label.lower()}{where}. "
            f"Send them this link; it works once, for {LIFETIME.days} days:\n"
            f"{options['site_url'].rstrip('/')}{link}"
        )
