from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from citystat.accounts.audit import AuditError, anchor_head, upgrade_chain, verify_chain
from citystat.accounts.audit_keys import AuditKeyError


class Command(BaseCommand):
    help = "Verify the audit log's HMAC chain against its anchors, anchor its head, or upgrade it."
    # Commands start in well under a second; `citystat check` runs the system checks.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "action",
            choices=["verify", "anchor", "upgrade"],
            help="verify the chain and anchors; anchor the newest entry outside the database; "
            "upgrade (once) a log written before the audit key",
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        try:
            if action == "anchor":
                anchor = anchor_head()
                self.stdout.write(
                    f"anchored entry #{anchor.sequence}." if anchor else "the audit log is empty."
                )
            elif action == "upgrade":
                self.stdout.write(upgrade_chain())
            else:
                self.verify()
        except (AuditError, AuditKeyError, OSError) as error:
            raise CommandError(str(error)) from None

    def verify(self) -> None:
        report = verify_chain()
        if not report.intact:
            for problem in report.problems:
                self.stderr.write(problem)
            raise CommandError(
                f"the audit log has been tampered with or cannot be verified "
                f"({len(report.problems)} problem(s) in {report.entries} entries); restore it "
                "from a backup and investigate."
            )
        self.stdout.write(
            f"audit log intact: {report.entries} entries, HMAC chain and anchors verified."
        )
        for note in report.notes:
            self.stdout.write(f"  {note}")
