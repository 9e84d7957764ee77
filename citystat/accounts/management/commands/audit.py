from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from citystat.accounts.audit import verify_chain


class Command(BaseCommand):
    help = "Check the audit log's hash chain and report any entry changed, removed or cut off."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"], help="verify the hash chain")

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if not report.intact:
            for problem in report.problems:
                self.stderr.write(problem)
            raise CommandError(
                f"the audit log has been tampered with ({len(report.problems)} problem(s) in "
                f"{report.entries} entries); restore it from a backup and investigate."
            )
        self.stdout.write(f"audit log intact: {report.entries} entries, hash chain verified.")
