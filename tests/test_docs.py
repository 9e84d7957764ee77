"""The documentation names every setting, command and endpoint the code has (the datasette
pattern, STYLE.md): add one without documenting it and this file fails."""

from __future__ import annotations

import re
from pathlib import Path

from django.core.management import get_commands
from django.urls import URLPattern, URLResolver, get_resolver

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "citystat"
DOCS = ROOT / "docs"

ENVIRONMENT_READ = re.compile(
    r"""(?:env_(?:str|bool|int|list)\(|os\.environ(?:\.get)?[(\[]|os\.getenv\()\s*"""
    r"""["']([A-Z][A-Z0-9_]*)["']"""
)
# Tests set throwaway names such as CITYSTAT_X to exercise the helpers; they are not settings.
SKIPPED_FOLDERS = {"tests", "migrations"}


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def headings(path: Path) -> set[str]:
    """Return the `### \\`…\\`` headings of a Markdown file, without the backticks."""
    return set(re.findall(r"^### `([^`]+)`\s*$", read(path), flags=re.MULTILINE))


def environment_variables_read() -> dict[str, str]:
    """Return each CITYSTAT_* / DATABASE_URL name the package reads, with one place it does."""
    found: dict[str, str] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if SKIPPED_FOLDERS & set(path.relative_to(PACKAGE).parts):
            continue
        for number, line in enumerate(read(path).splitlines(), start=1):
            for name in ENVIRONMENT_READ.findall(line):
                if name.startswith("CITYSTAT_") or name == "DATABASE_URL":
                    found.setdefault(name, f"{path.relative_to(ROOT)}:{number}")
    return found


def url_paths(patterns: list, prefix: str = "") -> dict[str, str]:
    """Return {route name: path} for every named route, skipping the admin and set_language."""
    paths: dict[str, str] = {}
    for entry in patterns:
        route = str(entry.pattern).lstrip("^").rstrip("$")
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            paths.update(url_paths(entry.url_patterns, prefix + route))
        elif isinstance(entry, URLPattern) and entry.name and entry.name != "set_language":
            paths[entry.name] = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", prefix + route)
    return paths


def all_docs_text() -> str:
    return "\n".join(read(path) for path in sorted(DOCS.rglob("*.md")))


def test_the_scan_finds_the_settings_it_must():
    found = environment_variables_read()
    for name in ("CITYSTAT_HOME", "DATABASE_URL", "CITYSTAT_SECRET_KEY", "CITYSTAT_DEBUG"):
        assert name in found


def test_every_environment_variable_is_documented():
    documented = headings(DOCS / "configuration.md")
    missing = {
        name: where
        for name, where in environment_variables_read().items()
        if name not in documented
    }
    assert not missing, f"add a ### `NAME` section to docs/configuration.md for {missing}"


def test_every_documented_variable_exists_somewhere():
    sources = [*PACKAGE.rglob("*.py"), *(ROOT / "tests").rglob("*.py")]
    sources += [ROOT / "conftest.py", ROOT / "Makefile", ROOT / ".ci" / "run"]
    text = "\n".join(read(path) for path in sources if path.is_file())
    stale = sorted(name for name in headings(DOCS / "configuration.md") if name not in text)
    assert not stale, f"docs/configuration.md documents variables nothing reads: {stale}"


def test_every_citystat_command_is_documented():
    documented = headings(DOCS / "cli.md")
    commands = sorted(name for name, app in get_commands().items() if app.startswith("citystat"))
    assert commands, "found no citystat commands"
    missing = [name for name in commands if f"citystat {name}" not in documented]
    assert not missing, f"add a ### `citystat NAME` section to docs/cli.md for {missing}"


def test_every_documented_command_exists():
    commands = get_commands()
    documented = {heading.removeprefix("citystat ") for heading in headings(DOCS / "cli.md")}
    unknown = sorted(documented - commands.keys())
    assert not unknown, f"docs/cli.md documents commands that do not exist: {unknown}"


def test_every_url_is_documented_by_its_path():
    paths = url_paths(get_resolver().url_patterns)
    assert "healthz" in paths
    text = all_docs_text()
    missing = {
        name: path
        for name, path in paths.items()
        if not re.search(rf"`(?:[A-Z]+ )?{re.escape(path)}`", text)
    }
    assert not missing, f"write these paths in backticks (`GET /path`) in docs/api.md: {missing}"


def test_the_api_page_describes_healthz():
    text = read(DOCS / "api.md")
    assert "GET /healthz" in text
    for key in ('"status"', '"database"', '"warehouse"', "503"):
        assert key in text


def test_readme_quick_start_is_make_demo_and_make_test():
    readme = read(ROOT / "README.md")
    assert re.search(r"^make demo\b", readme, flags=re.MULTILINE)
    assert re.search(r"^make test\b", readme, flags=re.MULTILINE)


def test_ci_runs_make_test():
    assert re.search(r"^\s*make test\s*$", read(ROOT / ".ci" / "run"), flags=re.MULTILINE)


def test_the_makefile_has_the_targets_the_docs_name():
    makefile = read(ROOT / "Makefile")
    for target in ("demo", "test", "test-fast"):
        assert re.search(rf"^{target}:", makefile, flags=re.MULTILINE), target


def test_docs_links_point_at_files_that_exist():
    pages = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *DOCS.rglob("*.md")]
    broken = []
    for page in pages:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", read(page)):
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            # The site engineer commits docs/images/; a missing screenshot is theirs to fix.
            if "images/" in target:
                continue
            if not (page.parent / target).exists():
                broken.append(f"{page.relative_to(ROOT)} → {target}")
    assert not broken, broken
