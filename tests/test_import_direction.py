"""Imports between citystat's apps point one way (STYLE.md, Layout).

`catalog` ← `plan` ← `surveys`/`meetings`/`engagement` ← `api`/`public`, with `lib` and
`accounts` below them all. Nothing imports `api` or `public` except themselves and
`citystat.urls`. To add an app, give it a line in ALLOWED naming what it may import.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "citystat"

# jobs: the lock every scheduled command takes (refresh in catalog, compute in plan, …).
FOUNDATION = {"lib", "accounts", "jobs"}
DOMAIN = FOUNDATION | {"city", "catalog", "plan", "surveys", "meetings", "engagement"}
ALLOWED: dict[str, set[str]] = {
    # Apps, lowest first. An app may always import itself.
    "lib": set(),
    "jobs": {"lib"},
    "accounts": {"lib", "city"},
    "city": {"lib"},
    "catalog": FOUNDATION | {"city"},
    "plan": FOUNDATION | {"city", "catalog"},
    # surveys: the survey page sets satisfaction beside benchmark figures (peers).
    "surveys": FOUNDATION | {"city", "catalog", "plan", "peers"},
    # meetings: the briefing book includes the area's service profiles (surveys/reports.py);
    # surveys never imports meetings.
    "meetings": FOUNDATION | {"city", "catalog", "plan", "surveys"},
    # engagement: a priorities round may rank the surveys' services.
    "engagement": FOUNDATION | {"city", "catalog", "plan", "meetings", "surveys"},
    # peers: reads our measures' specs and computes them on a peer's data.
    "peers": FOUNDATION | {"city", "catalog", "plan"},
    # ops runs the project's WSGI application under gunicorn (ops/server.py), and backs up
    # the whole site: it marks the loads a backup catches running as failed (catalog), and
    # its tests build staff and measures to back up (accounts).
    "ops": FOUNDATION | {"__init__", "city", "catalog", "wsgi"},
    # reports: council exports of the plan (workbook, deck, PDF) beside the briefing book.
    "reports": DOMAIN,
    "demo": DOMAIN | {"ops", "peers"},
    "api": DOMAIN | {"ops"},
    "public": DOMAIN | {"ops", "peers"},
    # The project's own top-level modules.
    "__init__": set(),
    "__main__": {"cli"},
    # The package's __init__ holds only the version, which the CLI prints.
    "cli": {"__init__", "lib"},
    "settings": {"lib"},
    "wsgi": set(),
    "asgi": set(),
    "urls": DOMAIN | {"ops", "demo", "api", "public", "peers", "reports"},
}
# Tests may borrow the demo city's realistic schemas and builder as fixtures; the code
# under test may not, because demo sits above every domain app.
TESTS_MAY_ALSO_IMPORT = {"demo"}


def component(module: str) -> str | None:
    """Return the app (or top-level module) that `citystat.…` module `module` belongs to."""
    parts = module.split(".")
    if parts[0] != "citystat":
        return None
    # `from citystat import __version__` names an attribute of the package, not an app.
    return parts[1] if len(parts) > 1 and parts[1] != "__version__" else "__init__"


def module_name(path: Path, root: Path = PACKAGE) -> str:
    relative = path.relative_to(root.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__" and len(parts) > 2:
        parts.pop()
    return ".".join(parts)


def imported_modules(
    path: Path, root: Path = PACKAGE, count_lookups: bool = True
) -> list[tuple[int, str]]:
    """Return (line, module) for every citystat module `path` imports, anywhere in it, and
    with `count_lookups` every other app whose models it looks up by name."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            if base == "citystat":
                found += [(node.lineno, f"citystat.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, base))
        elif isinstance(node, ast.Call) and count_lookups and (label := model_looked_up(node)):
            # apps.get_model("plan", "Measure") reaches another app as surely as an import.
            found.append((node.lineno, f"citystat.{label}.models"))
    return [(line, module) for line, module in found if component(module)]


def model_looked_up(node: ast.AST) -> str | None:
    """Return the app label of a `get_model("label", …)` or `get_model("label.Model")` call."""
    if not (isinstance(node, ast.Call) and node.args):
        return None
    function = node.func
    name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
    first = node.args[0]
    if name != "get_model" or not isinstance(first, ast.Constant):
        return None
    return str(first.value).split(".", 1)[0]


def violations(root: Path = PACKAGE) -> list[str]:
    """Return one line per wrong-way import under package folder `root`."""
    problems = []
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        where = path.relative_to(root.parent)
        owner = component(module_name(path, root))
        assert owner is not None
        if owner not in ALLOWED:
            problems.append(
                f"{where}: citystat.{owner} has no entry in ALLOWED "
                "(tests/test_import_direction.py); say what it may import."
            )
            continue
        allowed = ALLOWED[owner] | (TESTS_MAY_ALSO_IMPORT if "tests" in path.parts else set())
        # A test of a lower app may build a higher app's rows by name (the accounts tests
        # make measures to check permissions on): only the code itself must not.
        lookups = "tests" not in path.parts
        for line, module in imported_modules(path, root, count_lookups=lookups):
            target = component(module)
            if target != owner and target not in allowed:
                problems.append(
                    f"{where}:{line}: imports {module}, but "
                    f"citystat.{owner} may import only "
                    f"{', '.join(sorted(allowed)) or 'nothing from citystat'}."
                )
    return problems


def test_imports_between_apps_point_one_way():
    problems = violations()
    assert not problems, "\n".join(problems)


def test_nothing_but_urls_imports_api_or_public():
    for owner, allowed in ALLOWED.items():
        if owner not in ("api", "public", "urls"):
            assert not allowed & {"api", "public"}, owner


def test_lib_and_city_stay_at_the_bottom():
    assert ALLOWED["lib"] == set()
    assert ALLOWED["city"] == {"lib"}


def test_every_app_on_disk_has_a_rule():
    apps = {path.parent.name for path in PACKAGE.glob("*/apps.py")}
    assert apps <= ALLOWED.keys(), sorted(apps - ALLOWED.keys())


def test_a_wrong_way_import_is_named_with_file_line_and_module(tmp_path):
    root = tmp_path / "citystat"
    (root / "catalog").mkdir(parents=True)
    (root / "catalog" / "__init__.py").write_text("")
    (root / "catalog" / "models.py").write_text(
        "from citystat.lib import errors\n\n\ndef f():\n    from ..plan.models import Plan\n"
    )
    assert violations(root) == [
        "citystat/catalog/models.py:5: imports citystat.plan.models, but citystat.catalog "
        "may import only accounts, city, jobs, lib."
    ]


def test_a_model_looked_up_by_name_counts_as_an_import(tmp_path):
    root = tmp_path / "citystat"
    (root / "accounts").mkdir(parents=True)
    (root / "accounts" / "__init__.py").write_text("")
    (root / "accounts" / "sections.py").write_text(
        "from django.apps import apps\n\n\ndef f():\n"
        "    return apps.get_model('plan', 'Measure'), apps.get_model('city.Department')\n"
    )
    assert violations(root) == [
        "citystat/accounts/sections.py:5: imports citystat.plan.models, but citystat.accounts "
        "may import only city, lib."
    ]
