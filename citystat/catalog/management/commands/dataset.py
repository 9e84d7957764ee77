import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from citystat.catalog.inference import SAMPLE_ROWS, draft_schema
from citystat.catalog.models import Dataset
from citystat.catalog.registry import (
    DatasetRefused,
    create_dataset,
    delete_dataset,
    read_schema_file,
    update_dataset,
)
from citystat.catalog.sources import ENCODINGS, SourceError


def dataset_named(slug: str) -> Dataset:
    found = Dataset.objects.filter(slug=slug).first()
    if found is None:
        known = ", ".join(Dataset.objects.values_list("slug", flat=True)) or "none yet"
        raise CommandError(f"no dataset {slug!r} (known: {known}).", returncode=2)
    return found


def public_choice(options: dict[str, Any]) -> bool | None:
    if options.get("public"):
        return True
    if options.get("internal"):
        return False
    return None


class Command(BaseCommand):
    help = "Draft a schema from files, or create, update or delete a dataset."
    # Commands start in well under a second; `citystat check` runs the system checks.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
        draft = verbs.add_parser(
            "draft", help="Print a draft Table Schema (JSON) read from a sample of the files."
        )
        draft.add_argument("files", nargs="+", metavar="FILE")
        draft.add_argument("--encoding", choices=ENCODINGS, default="utf-8")
        draft.add_argument(
            "--sample-rows",
            type=int,
            default=SAMPLE_ROWS,
            metavar="N",
            help=f"Rows read from the start of each file (default {SAMPLE_ROWS:,}).",
        )
        for name, text in (
            ("create", "Create a dataset described by a Table Schema file."),
            ("update", "Change a dataset's title, department, publicity or schema."),
        ):
            verb = verbs.add_parser(name, help=text)
            verb.add_argument("slug", help="The dataset's slug, such as service-requests.")
            verb.add_argument("--schema", required=name == "create", metavar="FILE")
            verb.add_argument("--title")
            verb.add_argument("--department", metavar="CODE", help="A department code or name.")
            publicity = verb.add_mutually_exclusive_group()
            publicity.add_argument(
                "--public", action="store_true", help="Residents see it (needs --as)."
            )
            publicity.add_argument("--internal", action="store_true", help="Staff only.")
            verb.add_argument(
                "--as",
                dest="username",
                metavar="USERNAME",
                help="Who makes data public; they need the publisher permission.",
            )
        delete = verbs.add_parser(
            "delete", help="Delete a dataset and its data, unless a measure or survey reads it."
        )
        delete.add_argument("slug")

    def handle(self, *args: Any, verb: str, **options: Any) -> None:
        try:
            getattr(self, verb)(**options)
        except (DatasetRefused, SourceError) as error:
            raise CommandError(str(error), returncode=2) from None

    def draft(self, files: list[str], encoding: str, sample_rows: int, **_: Any) -> None:
        schema = draft_schema(files, encoding, sample_rows)
        self.stdout.write(json.dumps(schema, indent=2, ensure_ascii=False))
        withheld = [spec["name"] for spec in schema["fields"] if spec.get("public") is False]
        # Notes go to standard error, so `> schema.json` keeps only the schema.
        notes = [
            f"Drafted {len(schema['fields'])} fields from the first {sample_rows:,} rows of "
            f"{len(files)} file(s); review types and formats before `citystat dataset create`."
        ]
        if schema.get("primaryKey"):
            notes.append(
                f"Suggested key: {', '.join(schema['primaryKey'])} (unique in the sample; "
                "every load checks it)."
            )
        if withheld:
            notes.append(f"Withheld as likely personal: {', '.join(withheld)}.")
        for note in notes:
            sys.stderr.write(note + "\n")

    def create(self, slug: str, schema: str, **options: Any) -> None:
        dataset = create_dataset(
            slug,
            read_schema_file(schema),
            title=options["title"] or "",
            department=options["department"] or "",
            public=bool(options["public"]),
            username=options["username"],
        )
        state = "public" if dataset.is_public else "internal"
        self.stdout.write(
            f"Created {slug} ({state}, {len(dataset.fields)} fields). "
            f"Load it with `citystat ingest {slug} FILE...`."
        )

    def update(self, slug: str, schema: str | None, **options: Any) -> None:
        dataset = update_dataset(
            dataset_named(slug),
            title=options["title"],
            department=options["department"],
            public=public_choice(options),
            schema=read_schema_file(schema) if schema else None,
            username=options["username"],
        )
        self.stdout.write(f"Updated {slug} ({'public' if dataset.is_public else 'internal'}).")

    def delete(self, slug: str, **_: Any) -> None:
        delete_dataset(dataset_named(slug))
        self.stdout.write(f"Deleted {slug} with its versions and files.")
