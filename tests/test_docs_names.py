"""Every piece of code the documentation names exists: a file or folder it points to, a
dotted name it cites, a function a recipe tells you to change. Docs that name code which
was renamed or never written send a newcomer looking for nothing; this file fails instead."""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]

CODE_SPAN = re.compile(r"`([^`\n]+)`")
# `citystat/plan/status.py`, `catalog/ingest.py`, `benchmarks/compute.py`, `citystat/demo/`.
PATH = re.compile(r"^(?:\./)?([A-Za-z_][\w.-]*/[\w./-]*?)(?::\d+)?$")
# `citystat.plan.status`, `citystat.lib.fields.URLField`, `citystat.jobs.runs.single_run`.
DOTTED = re.compile(r"^(citystat(?:\.[A-Za-z_]\w*)+)(?:\(\))?$")
# `reader_for()`, `PlanReader.create_measure()`, `self.problem()`; a call on a lower-case
# owner (`django.setup()`) is another package's, and dotted `citystat.` names are imported.
CALL = re.compile(r"^(?:self\.)?((?:[A-Z]\w*\.)?[A-Za-z_]\w*)\([^()]*\)$")
# Logger names are dotted like modules but name no code.
LOGGERS = {"citystat.security"}
# Spans that look like paths but are not files of this repository.
NOT_REPOSITORY_PATHS = ("/", "http", "var/", "~", "$", "<", "{")
ROOTS = (ROOT, ROOT / "citystat")
# The repository's own top-level folders (build/, var/ and the virtualenv are made locally).
TRACKED_FOLDERS = ("benchmarks", "deploy", "docs", "requirements", "scripts", "tests")
DATA_SUFFIXES = (".csv", ".json", ".geojson", ".yaml", ".yml", ".zip", ".xlsx", ".parquet")


@dataclass(frozen=True)
class Citation:
    document: str
    line: int
    text: str
    # The Python file most recently named in the same paragraph or list item, if any.
    near_file: Path | None


def citations() -> list[Citation]:
    found: list[Citation] = []
    for document in DOCUMENTS:
        near_file: Path | None = None
        in_fence = False
        for number, line in enumerate(document.read_text(encoding="utf-8").splitlines(), 1):
            if line.lstrip().startswith("```"):
                in_fence = not in_fence
                continue
            # A blank line or a new numbered step starts a new context for bare function names.
            if in_fence or not line.strip() or re.match(r"^\s*\d+\.\s", line):
                near_file = None
            if in_fence:
                continue
            for span in CODE_SPAN.findall(line):
                citation = Citation(document.name, number, span.strip(), near_file)
                found.append(citation)
                path = repository_path(citation.text)
                if path is not None and path.suffix == ".py":
                    near_file = path
    return found


def repository_path(text: str) -> Path | None:
    """Return the file or folder of this repository that `text` names, if it names one."""
    match = PATH.match(text)
    if not match or text.startswith(NOT_REPOSITORY_PATHS) or " " in text:
        return None
    for base in ROOTS:
        candidate = base / match.group(1)
        if candidate.exists():
            return candidate
    return None


def looks_like_repository_path(text: str) -> bool:
    match = PATH.match(text)
    if not match or text.startswith(NOT_REPOSITORY_PATHS) or " " in text or "*" in text:
        return False
    name = match.group(1)
    first = name.split("/", 1)[0]
    top_level = {path.name for path in ROOT.iterdir()} | {
        path.name for path in (ROOT / "citystat").iterdir()
    }
    return first in top_level and (name.endswith((".py", "/")) or "." not in name.rsplit("/")[-1])


def resolves(dotted: str) -> bool:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            target: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        try:
            for attribute in parts[cut:]:
                target = getattr(target, attribute)
        except AttributeError:
            return False
        return True
    return False


def defined_in(path: Path, name: str) -> bool:
    """Say whether `name` is defined in the Python file `path`; `Class.method` is looked for
    in that file's class or, when the file only uses the class, in the package's."""
    owner, _, member = name.rpartition(".")
    if owner:
        declares = re.compile(rf"^class {re.escape(owner)}\b", flags=re.MULTILINE)
        homes = [path] if declares.search(path.read_text(encoding="utf-8")) else []
        homes = homes or [
            source
            for source in sorted((ROOT / "citystat").rglob("*.py"))
            if declares.search(source.read_text(encoding="utf-8"))
        ]
        return any(defined_in(home, member) for home in homes)
    source = path.read_text(encoding="utf-8")
    pattern = rf"^\s*(?:async\s+)?(?:def|class)\s+{re.escape(name)}\b|^{re.escape(name)}\s*[:=]"
    return re.search(pattern, source, flags=re.MULTILINE) is not None


def test_every_path_the_docs_name_exists():
    missing = [
        f"{c.document}:{c.line}: `{c.text}`"
        for c in citations()
        if looks_like_repository_path(c.text)
        and not c.text.endswith(DATA_SUFFIXES)
        and repository_path(c.text) is None
    ]
    assert not missing, "the docs name files or folders that do not exist:\n" + "\n".join(missing)


def test_every_dotted_name_the_docs_cite_imports():
    missing = [
        f"{c.document}:{c.line}: `{c.text}`"
        for c in citations()
        if (match := DOTTED.match(c.text))
        and c.text not in LOGGERS
        and not c.text.endswith(DATA_SUFFIXES + (".sqlite3",))
        and not resolves(match.group(1))
    ]
    assert not missing, "the docs cite names that do not import:\n" + "\n".join(missing)


def test_every_function_a_recipe_names_is_in_the_file_it_names():
    missing = []
    for citation in citations():
        match = CALL.match(citation.text)
        if not match or citation.near_file is None or DOTTED.match(citation.text):
            continue
        if not defined_in(citation.near_file, match.group(1)):
            missing.append(
                f"{citation.document}:{citation.line}: `{citation.text}` is not in "
                f"{citation.near_file.relative_to(ROOT)}"
            )
    assert not missing, "the docs name functions their files lack:\n" + "\n".join(missing)


def readme_layout() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Project layout", 1)[1]
    return section.split("```", 2)[1]


def test_the_readme_layout_lists_every_package_and_folder():
    layout = readme_layout()
    packages = [
        path.name
        for path in sorted((ROOT / "citystat").iterdir())
        if (path / "__init__.py").exists() or path.name in ("templates", "static", "locale")
    ]
    folders = [name for name in TRACKED_FOLDERS if (ROOT / name).is_dir()]
    unlisted = [name for name in packages + folders if not re.search(rf"\b{name}/", layout)]
    assert not unlisted, f"README's project layout does not list: {', '.join(unlisted)}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("citystat/plan/status.py", True),
        ("plan/status.py", True),
        ("citystat/plan/nowhere.py", False),
    ],
)
def test_paths_resolve_from_the_root_or_the_package(text, expected):
    assert (repository_path(text) is not None) is expected


def test_a_renamed_function_is_caught(tmp_path):
    module = tmp_path / "module.py"
    module.write_text("class PlanReader:\n    def create_measure(self):\n        pass\n")
    assert defined_in(module, "PlanReader.create_measure")
    assert not defined_in(module, "PlanReader.make_measure")
    assert not defined_in(module, "reader_for")
