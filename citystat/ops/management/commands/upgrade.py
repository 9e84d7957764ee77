from django.core.management.base import BaseCommand

from citystat.ops.upgrade import upgrade


class Command(BaseCommand):
    help = (
        "Upgrade this home to the installed release: migrations, static files, cached pages, "
        "then the measures whose definitions changed (safe to run twice)."
    )

    def handle(self, *args: object, **options: object) -> None:
        upgrade(say=self.stdout.write)
