"""The `citystat` console script: every Django management command under one name."""

from __future__ import annotations

import os
import sys

HELP_FLAGS = {"-h", "--help", "help"}
VERSION_FLAGS = {"--version", "version"}


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    argv[0] = "citystat"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "citystat.settings")
    sys.exit(run(argv))


def run(argv: list[str]) -> int:
    """Run one command line and return its exit status; problems become one sentence."""
    if len(argv) == 2 and argv[1] in VERSION_FLAGS:
        # citystat's version, not Django's (ManagementUtility would print Django's).
        from citystat import __version__

        print(f"citystat {__version__}")
        return 0
    import django
    from django.core.exceptions import ImproperlyConfigured
    from django.db.utils import OperationalError, ProgrammingError

    from citystat.lib.config import redact_url
    from citystat.lib.errors import CitystatError

    try:
        django.setup()
        ensure_home()
        if len(argv) < 2 or (len(argv) == 2 and argv[1] in HELP_FLAGS):
            print_command_list()
            return 0
        from django.core.management import ManagementUtility

        ManagementUtility(argv).execute()
    except ImproperlyConfigured as error:
        print(f"citystat: {error}", file=sys.stderr)
        return 2
    except (OperationalError, ProgrammingError) as error:
        if is_missing_table(error):
            print(
                "citystat: the app database has no tables yet; run `citystat migrate` first.",
                file=sys.stderr,
            )
            return 2
        if isinstance(error, ProgrammingError):
            raise
        url = (
            redact_url(os.environ.get("DATABASE_URL", "")) or "the SQLite file under CITYSTAT_HOME"
        )
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        print(
            f"citystat: cannot use the app database at {url} ({reason}); "
            "check DATABASE_URL and that the database server is running.",
            file=sys.stderr,
        )
        return 2
    except CitystatError as error:
        print(f"citystat: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("citystat: interrupted.", file=sys.stderr)
        return 130
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    return 0


def is_missing_table(error: Exception) -> bool:
    message = str(error).lower()
    return "no such table" in message or ("relation" in message and "does not exist" in message)


def ensure_home() -> None:
    """Create CITYSTAT_HOME, the folder for all local state, or say why it cannot be."""
    from django.conf import settings

    from citystat.lib.errors import CitystatError

    try:
        settings.CITYSTAT_HOME.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise CitystatError(
            f"cannot create CITYSTAT_HOME at {settings.CITYSTAT_HOME} ({error.strerror}); "
            "set CITYSTAT_HOME to a folder you can write."
        ) from None


def command_summaries() -> dict[str, list[tuple[str, str]]]:
    """Return each command's first help line, grouped as citystat's own and Django's."""
    from django.core.management import get_commands

    groups: dict[str, list[tuple[str, str]]] = {"citystat": [], "django": []}
    for name, app in sorted(get_commands().items()):
        text = command_help(app, name)
        summary = text.strip().splitlines()[0] if text.strip() else ""
        groups["citystat" if app.startswith("citystat") else "django"].append((name, summary))
    return groups


def command_help(app: str, name: str) -> str:
    """Return a command's `help` text, read from its source without importing it.

    Importing every command would load Ibis, pyarrow and WeasyPrint just to print a list
    (most of `citystat --help`'s second of CPU); a help text that is not a plain string
    is read by loading the command after all.
    """
    import ast
    from importlib.util import find_spec

    from django.core.management import load_command_class

    spec = find_spec(f"{app}.management.commands.{name}")
    if spec and spec.origin and spec.origin.endswith(".py"):
        with open(spec.origin, encoding="utf-8") as source:
            tree = ast.parse(source.read())
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name == "Command":
                for statement in node.body:
                    if (
                        isinstance(statement, ast.Assign)
                        and any(getattr(t, "id", "") == "help" for t in statement.targets)
                        and isinstance(statement.value, ast.Constant)
                        and isinstance(statement.value.value, str)
                    ):
                        return statement.value.value
    return str(load_command_class(app, name).help or "")


def print_command_list() -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print("Usage: citystat COMMAND [OPTIONS]   (citystat COMMAND --help for its options)\n")
    for title, rows in command_summaries().items():
        table = Table(title=f"{title} commands", title_justify="left", show_header=False, box=None)
        table.add_column("command", style="bold", no_wrap=True)
        table.add_column("what it does")
        for name, summary in rows:
            table.add_row(name, summary)
        console.print(table)
        console.print()


if __name__ == "__main__":
    main()
