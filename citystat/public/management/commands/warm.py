from typing import Any

from django.core.management.base import BaseCommand

from citystat.public.warm import warm_pages


class Command(BaseCommand):
    # Started by `citystat serve`, which has run the checks already.
    requires_system_checks: list[str] = []
    help = (
        "Render the public plan pages (home, priorities, goals, measures) into the site "
        "cache, in each of the city's languages; `citystat serve` runs it at start-up."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        warmed = warm_pages()
        self.stdout.write(
            f"Warmed {warmed.pages} pages in {', '.join(warmed.languages)} "
            f"in {warmed.seconds:.1f} s."
        )
