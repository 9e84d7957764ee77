from django.core.management.base import BaseCommand, CommandError, CommandParser

from citystat.catalog.ingest import MODES, IngestError, ingest
from citystat.catalog.models import Dataset
from citystat.lib.progress import fraction_progress


def parse_column_map(pairs: list[str]) -> dict[str, str]:
    """Turn ['field=Source Column', …] into a mapping, rejecting malformed pairs."""
    mapping = {}
    for pair in pairs:
        field, separator, column = pair.partition("=")
        if not separator or not field.strip() or not column.strip():
            raise CommandError(
                f"--map {pair!r} should read FIELD=COLUMN, such as created_at='CREATION DATE'.",
                returncode=2,
            )
        mapping[field.strip()] = column.strip()
    return mapping


class Command(BaseCommand):
    help = "Load a file or URL into a dataset, check it against its schema, and publish it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="The dataset's slug, such as service-requests.")
        parser.add_argument("source", help="A local path or an http(s) URL.")
        parser.add_argument("--mode", choices=MODES, default="replace")
        parser.add_argument("--map", action="append", default=[], metavar="FIELD=COLUMN")
        parser.add_argument("--max-rejects", type=int, default=0, metavar="N")

    def handle(self, *args, slug: str, source: str, **options) -> None:
        dataset = Dataset.objects.filter(slug=slug).first()
        if dataset is None:
            known = ", ".join(Dataset.objects.values_list("slug", flat=True)) or "none yet"
            raise CommandError(f"no dataset {slug!r} (known: {known}).", returncode=2)
        column_map = parse_column_map(options["map"])
        with fraction_progress(f"Loading {slug}", enabled=options["verbosity"] > 0) as advance:
            try:
                version = ingest(
                    dataset,
                    source,
                    mode=options["mode"],
                    column_map=column_map,
                    max_rejects=options["max_rejects"],
                    progress=advance,
                )
            except IngestError as error:
                raise CommandError(str(error), returncode=2) from None
        self.stdout.write(
            f"{slug} v{version.number}: {version.rows_read:,} rows read, "
            f"{version.rows_rejected:,} rejected, {version.row_count:,} published."
        )
