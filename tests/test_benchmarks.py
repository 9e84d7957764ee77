"""`make bench`: every benchmark script runs, and its figures land in one table."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import results  # noqa: E402  (benchmarks/ is on the path from above)
import run_all  # noqa: E402  (benchmarks/ is a folder of scripts, not a package)

HELPERS = {"local_server.py", "results.py", "run_all.py"}


def test_make_bench_runs_every_benchmark_script_and_each_records_its_figures():
    scripts = {path.name for path in BENCHMARKS.glob("*.py")} - HELPERS
    steps = run_all.plan_steps(
        10_000_000, [1_000_000, 10_000_000], Path("/w"), "postgres://x/citystat"
    )
    assert {step.script for step in steps} == scripts
    for script in scripts:
        assert "record(" in (BENCHMARKS / script).read_text(), f"{script} records nothing"
    compute = [step for step in steps if step.script == "compute.py"]
    assert len(compute) == 6, "duckdb, postgres and spark, at each size"
    assert all("/w/data-" in step.arguments[0] for step in compute)
    postgres = [
        step for step in compute if "--engine" in step.arguments and "postgres" in step.arguments
    ]
    assert all("postgres://x/citystat_wh_bench" in step.arguments for step in postgres)


FAKE_SCRIPTS = {
    "fast.py": (
        "from results import record\n"
        "record('page p95', 2.0, 'ms', baseline=1.0, baseline_label='static', target='< 3 ms',"
        " met=True)\n"
    ),
    "slow.py": (
        "import sys\nfrom results import record\n"
        "record('load time', 9.5, 's', target='< 5 s', met=False)\nsys.exit(1)\n"
    ),
    "broken.py": "raise RuntimeError('no data folder')\n",
}


def test_a_run_merges_new_figures_over_the_last_ones_and_writes_one_table(tmp_path):
    for name, text in FAKE_SCRIPTS.items():
        (tmp_path / name).write_text(text)
    env = {"PYTHONPATH": str(BENCHMARKS)}
    steps = [run_all.Step(name[:-3], str(tmp_path / name), [], env=env) for name in FAKE_SCRIPTS]
    results_json, results_md = tmp_path / "results.json", tmp_path / "RESULTS.md"
    earlier_run = {"date": "2026-01-01", "commit": "abc1234", "machine": "old box"}
    earlier = {"unit": "ms", "baseline": None, "baseline_label": "", "target": "", "met": None}
    results_json.write_text(
        json.dumps(
            {
                "figures": {
                    "page p95": {
                        **earlier,
                        "figure": "page p95",
                        "value": 4.0,
                        "script": "fast",
                        "run": earlier_run,
                        "previous": None,
                    },
                    "not run today": {
                        **earlier,
                        "figure": "not run today",
                        "value": 7.0,
                        "script": "other",
                        "run": earlier_run,
                        "previous": None,
                    },
                }
            }
        )  # fmt: skip
    )

    outcomes = run_all.run_all(
        steps,
        logs=tmp_path / "logs",
        results_json=results_json,
        results_md=results_md,
        postgres_url="postgres://unused",
    )

    assert [outcome.status.split(" (")[0] for outcome in outcomes] == [
        "ok",
        "missed or failed",
        "missed or failed",
    ]
    assert "no data folder" in (tmp_path / "logs" / "broken-0.log").read_text()
    figures = json.loads(results_json.read_text())["figures"]
    assert figures["page p95"]["value"] == 2.0
    assert figures["page p95"]["previous"] == {"value": 4.0, "run": earlier_run}
    assert figures["not run today"]["run"] == earlier_run
    assert figures["load time"]["met"] is False
    table = results_md.read_text()
    assert "| page p95 | 2 ms | 1 ms (static) | 2.00 × | < 3 ms | yes | 4 ms | fast |" in table
    assert "| load time | 9.5 s | — | — | < 5 s | **no** | — | slow |" in table
    assert "| not run today | 7 ms |" in table
    assert run_all.machine() in table
    assert [run_all.number(v) for v in (0.0482, 56.34, 2155.3, 10_796)] == [
        "0.0482",
        "56.3",
        "2,155",
        "10,796",
    ]


def test_record_is_silent_when_a_benchmark_runs_by_hand(tmp_path, monkeypatch):
    monkeypatch.delenv(results.RESULTS_VARIABLE, raising=False)
    monkeypatch.chdir(tmp_path)
    results.record("figure", 1.0, "s")
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setenv(results.RESULTS_VARIABLE, str(tmp_path / "out.jsonl"))
    results.record("figure", 1.0, "s", baseline=0.5)
    assert json.loads((tmp_path / "out.jsonl").read_text())["baseline"] == 0.5


def test_a_step_whose_server_is_missing_is_skipped_with_the_reason():
    step = run_all.Step("soak", "soak.py", [], needs="postgres")
    reason = run_all.missing_requirement(step, "postgres://nobody:x@127.0.0.1:1/none")
    assert reason and reason.startswith("no PostgreSQL at postgres://nobody")


@pytest.mark.parametrize("only", [["pages", "nonsense"]])
def test_an_unknown_step_name_is_refused_with_the_known_names(only, capsys):
    with pytest.raises(SystemExit):
        run_all.main(["--only", *only, "--work", "/nonexistent"])
    assert (
        "no step named nonsense; the steps: briefing, builder, ckan, compute_duckdb"
        in capsys.readouterr().err
    )
