"""Time the survey statistics read through the engine (Ibis) against the SQL they replaced.

    CITYSTAT_HOME=/tmp/city .venv/bin/citystat demo --rows 20000 --no-serve
    CITYSTAT_HOME=/tmp/city .venv/bin/python benchmarks/surveys.py --repeat 5

What a survey page, a service profile and the budget explorer compute when their cache is
cold: satisfaction (citywide and by district), importance, priorities, changes between
waves, engagement, the focus test's answers, wave order, a service's evidence and a
year's budget lines. The baseline is the same functions as they were before the port
(read from git, `--baseline`, the last commit with the f-string SQL), run in the same
process on the same warehouse. Prints each one's median time, old and new, and the
ratio new / old; below 1 is faster.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import types
from collections.abc import Callable
from pathlib import Path

import django
from results import record

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "citystat.settings")

# The last commit whose survey modules read the warehouse with f-string SQL.
BASELINE = "ce26c91d35c471348824358b5076af075b5c161e"
MODULES = ("waves", "ratings", "employee", "focus", "evidence", "budget")


def baseline_modules(revision: str) -> dict[str, types.ModuleType]:
    """Load the survey modules as they were at `revision`, under names of their own."""
    loaded: dict[str, types.ModuleType] = {}
    for name in MODULES:
        source = subprocess.run(
            ["git", "show", f"{revision}:citystat/surveys/{name}.py"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for sibling in MODULES:
            source = source.replace(
                f"from citystat.surveys.{sibling} import", f"from baseline_{sibling} import"
            )
        module = types.ModuleType(f"baseline_{name}")
        sys.modules[module.__name__] = module
        exec(compile(source, f"{revision[:10]}:{name}.py", "exec"), module.__dict__)
        loaded[name] = module
    return loaded


def median_seconds(work: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def tasks(modules: dict[str, types.ModuleType]) -> dict[str, Callable[[], object]]:
    """What the survey pages compute on a cold cache, with the given modules."""
    # Imported after django.setup() (a throwaway CITYSTAT_HOME), as Django requires.
    from citystat.surveys.models import ServiceProfile, Survey  # noqa: PLC0415

    resident = Survey.objects.filter(kind="resident").first()
    staff = Survey.objects.filter(kind="employee").first()
    if resident is None or staff is None:
        raise SystemExit("no resident or employee survey: build a city first (citystat demo)")
    residents, employees = resident.layout(), staff.layout()
    ratings, employee, focus = modules["ratings"], modules["employee"], modules["focus"]
    order = ratings.waves(residents)
    first, last = order[0], order[-1]
    codes = [item.code for item in residents.items]
    service = ServiceProfile.objects.first()
    year = modules["budget"].budget_years()[0]
    return {
        "wave order": lambda: modules["waves"].wave_dates(residents),
        "satisfaction": lambda: ratings.satisfaction(residents),
        "satisfaction by district": lambda: ratings.satisfaction(
            residents, residents.district, last
        ),
        "importance": lambda: ratings.importance(residents),
        "priorities by district": lambda: ratings.priorities(residents, residents.district),
        "changes": lambda: ratings.changes(residents, first, last),
        "engagement": lambda: employee.engagement(employees),
        "focus answers": lambda: focus.satisfied_matrix(residents, last, codes),
        "service evidence": lambda: modules["evidence"].service_evidence(
            service.definition,
            service.resident_survey.layout() if service.resident_survey else None,
            service.employee_survey.layout() if service.employee_survey else None,
        ),
        "budget lines": lambda: modules["budget"].budget_lines(year),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each (median)")
    parser.add_argument("--baseline", default=BASELINE, help="git revision of the old SQL")
    arguments = parser.parse_args()

    django.setup()
    from citystat.surveys import budget, employee, evidence, focus, ratings, waves  # noqa: PLC0415

    new = tasks(
        {"waves": waves, "ratings": ratings, "employee": employee, "focus": focus,
         "evidence": evidence, "budget": budget}
    )  # fmt: skip
    old = tasks(baseline_modules(arguments.baseline))
    for work in (*old.values(), *new.values()):
        work()  # warm: the engine's first query, Ibis's first compile
    print(f"{'statistic':<26} {'old ms':>9} {'new ms':>9} {'new/old':>8}")
    totals = [0.0, 0.0]
    for name in new:
        # Alternate old and new so the machine's load falls on both alike.
        before = median_seconds(old[name], arguments.repeat)
        after = median_seconds(new[name], arguments.repeat)
        totals[0] += before
        totals[1] += after
        print(f"{name:<26} {before * 1000:9.1f} {after * 1000:9.1f} {after / before:8.2f}")
    print(
        f"{'all of them':<26} {totals[0] * 1000:9.1f} {totals[1] * 1000:9.1f} "
        f"{totals[1] / totals[0]:8.2f}"
    )
    record(
        "survey statistics through the engine (Ibis), all of them",
        totals[1],
        "s",
        baseline=totals[0],
        baseline_label=f"the SQL they replaced (git {arguments.baseline})",
    )


if __name__ == "__main__":
    main()
