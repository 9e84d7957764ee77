from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from citystat.city.profile import CityFileError, load_city_file


class Command(BaseCommand):
    help = "Set the city profile, departments and boundary layers from a city.yaml file."
    # Commands start in well under a second; `citystat check` runs the system checks.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="source", type=Path, required=True, metavar="CITY_YAML")

    def handle(self, *args, source: Path, **options) -> None:
        try:
            profile = load_city_file(source)
        except CityFileError as error:
            raise CommandError(str(error), returncode=2) from None
        self.stdout.write(f"City profile set: {profile.name} ({profile.time_zone}).")
