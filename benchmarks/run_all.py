"""Run every benchmark and write benchmarks/RESULTS.md: `make bench`.

    .venv/bin/python benchmarks/run_all.py                      # everything, 10M rows
    .venv/bin/python benchmarks/run_all.py --only pages live_board
    .venv/bin/python benchmarks/run_all.py --rows 1000000 --compute-rows 1000000

It prepares what the scripts share under --work (kept between runs): the demo data files
(`citystat demo-data`) and a built demo city (`citystat demo --no-serve`), both at --rows.
Then it runs each script in its own process, in turn (benchmarks on a shared machine must
not overlap), showing its output and keeping it in --work/logs. Each script hands its
figures over through `results.record()`; they are merged into benchmarks/results.json
(figures not measured this time keep their last value, with the run that measured them)
and written out as one table in benchmarks/RESULTS.md, with the value each figure had
before, so progress shows from release to release.

Exits 1 when a script failed or missed its target; the results are written either way.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from results import RESULTS_VARIABLE

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
DEFAULT_POSTGRES = "postgres://citystat:citystat@127.0.0.1:5432/citystat"


@dataclasses.dataclass
class Step:
    """One benchmark script run: `name` picks it with --only."""

    name: str
    script: str
    arguments: list[str]
    needs: str = ""  # "postgres", "java" or "wrk": skipped, with the reason, when missing
    env: dict[str, str] = dataclasses.field(default_factory=dict)


def plan_steps(rows: int, compute_rows: Sequence[int], work: Path, postgres_url: str) -> list[Step]:
    """Return every benchmark run `make bench` makes, in order."""
    data, city = data_folder(work, rows), work / f"city-{rows}"
    csv = str(data / "service_requests.csv")
    steps = [
        Step("demo_data", "demo_data.py", ["--rows", str(rows)]),
        Step("ingest", "ingest.py", [csv]),
        Step("ingest_split", "ingest.py", [csv, "--split"]),
        Step("draft", "draft.py", [csv]),
        Step("soda", "soda.py", [csv]),
        Step("soda_http", "soda_http.py", []),
        Step("downloads", "downloads.py", [csv]),
    ]
    for engine, needs in (("duckdb", ""), ("postgres", "postgres"), ("spark", "java")):
        for size in compute_rows:
            arguments = [str(data_folder(work, size)), "--engine", engine]
            arguments += ["--home", str(work / f"compute-{engine}-{size}")]
            if engine == "postgres":
                arguments += ["--postgres-url", warehouse_database(postgres_url)]
            if engine == "spark":
                arguments += ["--runs", "1"]  # minutes a run at 10M: one run says enough
            steps.append(Step(f"compute_{engine}", "compute.py", arguments, needs))
    steps += [
        Step(
            "builder",
            "builder.py",
            [str(data_folder(work, rows)), "--home", str(work / f"builder-{rows}")],
        ),
        Step("pages", "pages.py", ["--home", str(city)], "wrk"),
        Step("places", "places.py", [], env={"CITYSTAT_HOME": str(city)}),
        Step("page_cache", "page_cache.py", [], env={"CITYSTAT_HOME": str(city)}),
        Step("request_overhead", "request_overhead.py", []),
        Step("live_board", "live_board.py", ["--home", str(work / "live-board")]),
        Step("briefing", "briefing.py", []),
        Step("pushes", "pushes.py", []),
        Step("upload", "upload.py", []),
        Step("exports", "exports.py", []),
        Step("surveys", "surveys.py", [], env={"CITYSTAT_HOME": str(city)}),
        Step("ckan", "ckan.py", []),
        Step("peers", "peers.py", ["--rows", str(min(rows, 1_000_000))]),
        Step("startup", "startup.py", ["--home", str(work / "startup-home")]),
        Step(
            "soak",
            "soak.py",
            ["--rows", str(rows), "--postgres-url", postgres_url],
            "postgres",
        ),
    ]
    return steps


def warehouse_database(server_url: str) -> str:
    """Return the URL of the database compute.py keeps its tables in, on the same server."""
    return urlsplit(server_url)._replace(path="/citystat_wh_bench").geturl()


def data_folder(work: Path, rows: int) -> Path:
    return work / f"data-{rows}"


def missing_requirement(step: Step, postgres_url: str) -> str | None:
    """Say why `step` cannot run on this machine, or None when it can."""
    if step.needs == "java" and shutil.which("java") is None:
        return "no Java (apt-get install default-jre-headless)"
    if step.needs == "wrk" and shutil.which("wrk") is None:
        return "no wrk (apt-get install wrk)"
    if step.needs == "postgres":
        try:
            psycopg.connect(postgres_url, connect_timeout=5).close()
        except psycopg.Error as error:
            return f"no PostgreSQL at {postgres_url}: {str(error).strip()}"
    return None


def citystat(*command: str, home: Path | None = None) -> None:
    env = {**os.environ, **({"CITYSTAT_HOME": str(home)} if home else {})}
    subprocess.run([sys.executable, "-m", "citystat", *command], env=env, cwd=ROOT, check=True)


def prepare(steps: list[Step], rows: int, compute_rows: Sequence[int], work: Path) -> None:
    """Make the data files and the demo city the chosen steps read, once."""
    names = {step.name for step in steps}
    sizes = set(compute_rows) if any(name.startswith("compute") for name in names) else set()
    if names & {"ingest", "ingest_split", "draft", "soda", "downloads"}:
        sizes.add(rows)
    for size in sorted(sizes):
        folder = data_folder(work, size)
        if not (folder / "service_requests.csv").exists():
            print(f"== preparing the demo data files, {size:,} rows, in {folder}", flush=True)
            citystat("demo-data", "--out", str(folder), "--rows", str(size))
    if names & {"pages", "places", "page_cache"}:
        print(f"== preparing the demo city, {rows:,} rows (reused once built)", flush=True)
        citystat("demo", "--rows", str(rows), "--no-serve", home=work / f"city-{rows}")


@dataclasses.dataclass
class Outcome:
    step: Step
    status: str  # "ok", "missed or failed (exit N)", "skipped: why"
    seconds: float
    records: list[dict]


def run_step(step: Step, logs: Path, postgres_url: str) -> Outcome:
    """Run one script, its output shown and logged; return what it recorded."""
    reason = missing_requirement(step, postgres_url)
    if reason:
        return Outcome(step, f"skipped: {reason}", 0.0, [])
    with tempfile.NamedTemporaryFile(suffix=".jsonl", delete=False) as handle:
        records_path = Path(handle.name)
    env = {
        **os.environ,
        **step.env,
        RESULTS_VARIABLE: str(records_path),
        "CITYSTAT_BENCH_SCRIPT": step.script,
    }
    log = logs / f"{step.name}-{len(list(logs.glob(step.name + '-*')))}.log"
    started = time.monotonic()
    with (
        log.open("w", encoding="utf-8") as log_file,
        subprocess.Popen(
            [sys.executable, str(HERE / step.script), *step.arguments],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        ) as process,  # closes its pipe
    ):
        assert process.stdout is not None
        for line in process.stdout:
            sys.stdout.write("   " + line)
            log_file.write(line)
        code = process.wait()
    seconds = time.monotonic() - started
    lines = records_path.read_text(encoding="utf-8").splitlines()
    records_path.unlink()
    status = "ok" if code == 0 else f"missed or failed (exit {code}; {log})"
    return Outcome(step, status, seconds, [json.loads(line) for line in lines])


def machine() -> str:
    """Describe this machine in a few words: cores, memory, processor, Python."""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    processor = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                processor = line.split(":", 1)[1].strip()
                break
    processor = processor or platform.processor() or platform.machine()
    return (
        f"{os.cpu_count()} cores, {memory:.0f} GiB, {processor}, Python {platform.python_version()}"
    )


def current_commit() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    return done.stdout.strip() or "unknown"


def merge(previous: dict, outcomes: list[Outcome], run: dict) -> dict:
    """Return the results file after this run: new figures replace old ones by name."""
    figures = dict(previous.get("figures", {}))
    for outcome in outcomes:
        for record in outcome.records:
            name = record["figure"]
            earlier = figures.get(name)
            figures[name] = {
                **record,
                "run": run,
                "previous": (
                    {"value": earlier["value"], "run": earlier["run"]} if earlier else None
                ),
            }
    return {"figures": figures}


def number(value: float) -> str:
    """Write a figure with three significant digits, whole numbers in full."""
    if value == int(value) or abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def results_table(results: dict) -> str:
    """Return RESULTS.md: one table, a row per figure."""
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`benchmarks/run_all.py`); each row was measured by the",
        "script named, with its baseline measured in the same run on the same machine.",
        "Ratio is value ÷ baseline. *Before* is the figure's value in the run before.",
        "",
        "| Figure | Value | Baseline | Ratio | Target | Met | Before | Script | Run | Machine |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, figure in sorted(results["figures"].items(), key=lambda item: item[0].lower()):
        unit = figure["unit"]
        baseline = figure.get("baseline")
        base_text = f"{number(baseline)} {unit} ({figure['baseline_label']})" if baseline else "—"
        ratio = f"{figure['value'] / baseline:.2f} ×" if baseline else "—"
        met = {True: "yes", False: "**no**", None: "—"}[figure.get("met")]
        before = figure.get("previous")
        before_text = f"{number(before['value'])} {unit}" if before else "—"
        run = figure["run"]
        lines.append(
            f"| {name} | {number(figure['value'])} {unit} | {base_text} | {ratio} | "
            f"{figure.get('target') or '—'} | {met} | {before_text} | {figure['script']} | "
            f"{run['date']} `{run['commit']}` | {run['machine']} |"
        )
    return "\n".join(lines) + "\n"


def run_all(
    steps: list[Step], *, logs: Path, results_json: Path, results_md: Path, postgres_url: str
) -> list[Outcome]:
    """Run `steps` in turn and write both result files; return each step's outcome."""
    logs.mkdir(parents=True, exist_ok=True)
    run = {
        "date": dt.date.today().isoformat(),
        "commit": current_commit(),
        "machine": machine(),
    }
    outcomes = []
    for index, step in enumerate(steps, 1):
        command = " ".join([step.script, *step.arguments])
        print(f"== [{index}/{len(steps)}] {command}", flush=True)
        outcome = run_step(step, logs, postgres_url)
        print(f"== [{index}/{len(steps)}] {step.name}: {outcome.status}, {outcome.seconds:.0f} s")
        outcomes.append(outcome)
        # Written after every step, so an interrupted run keeps what it measured.
        previous = json.loads(results_json.read_text()) if results_json.exists() else {}
        results = merge(previous, [outcome], run)
        results_json.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
        results_md.write_text(results_table(results), encoding="utf-8")
    return outcomes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="311 rows (default 10M)")
    parser.add_argument(
        "--compute-rows",
        default="1000000,3000000,10000000",
        help="comma-separated sizes for compute.py on each engine (its growth)",
    )
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these steps")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "citystat-bench")
    parser.add_argument(
        "--postgres-url", default=os.environ.get("CITYSTAT_TEST_POSTGRES_URL", DEFAULT_POSTGRES)
    )
    parser.add_argument("--results", type=Path, default=HERE / "results.json")
    parser.add_argument("--markdown", type=Path, default=HERE / "RESULTS.md")
    arguments = parser.parse_args(argv)
    compute_rows = [int(size) for size in arguments.compute_rows.split(",") if size.strip()]
    steps = plan_steps(arguments.rows, compute_rows, arguments.work, arguments.postgres_url)
    if arguments.only:
        unknown = set(arguments.only) - {step.name for step in steps}
        if unknown:
            names = ", ".join(sorted({step.name for step in steps}))
            parser.error(f"no step named {', '.join(sorted(unknown))}; the steps: {names}")
        steps = [step for step in steps if step.name in arguments.only]
    started = time.monotonic()
    prepare(steps, arguments.rows, compute_rows, arguments.work)
    outcomes = run_all(
        steps,
        logs=arguments.work / "logs",
        results_json=arguments.results,
        results_md=arguments.markdown,
        postgres_url=arguments.postgres_url,
    )
    print(f"\n== {len(outcomes)} runs in {(time.monotonic() - started) / 60:.0f} min")
    for outcome in outcomes:
        print(f"   {outcome.step.name:<18} {outcome.status}")
    print(f"== written: {arguments.markdown}")
    return 0 if all(o.status == "ok" or o.status.startswith("skipped") for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
