"""The files in deploy/ parse, and name commands, settings and paths that exist.

No container engine, systemd or nginx runs here, so each file is read with a parser for
its format (systemd's INI dialect, nginx's blocks, a Dockerfile's instructions, YAML)
and checked against the code: a renamed command or setting breaks this test, not a
city's deployment.
"""

from __future__ import annotations

import configparser
import re
import shlex
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import get_commands
from test_docs import DOCS, headings

from citystat.ops.server import GRACEFUL_SECONDS

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
SYSTEMD = DEPLOY / "systemd"
SCHEDULED_JOBS = {"refresh", "compute", "remind", "digest", "jobs"}


def documented_variables() -> set[str]:
    return headings(DOCS / "configuration.md")


def citystat_subcommand(argv: list[str]) -> str:
    """Return `serve` for ['/opt/citystat/venv/bin/citystat', 'serve', …]."""
    assert Path(argv[0]).name == "citystat", argv
    return argv[1]


# systemd ----------------------------------------------------------------------------


def read_unit(path: Path) -> configparser.ConfigParser:
    # systemd allows repeated keys (several Environment= lines): strict=False keeps the last.
    unit = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read_string(path.read_text(encoding="utf-8"), source=str(path))
    return unit


def test_the_web_unit_serves_and_stops_gracefully():
    unit = read_unit(SYSTEMD / "citystat.service")
    assert set(unit.sections()) == {"Unit", "Service", "Install"}
    service = unit["Service"]
    argv = shlex.split(service["ExecStart"])
    assert citystat_subcommand(argv) == "serve"
    assert citystat_subcommand(argv) in get_commands()
    assert service["KillSignal"] == "SIGTERM"
    # systemd must wait longer than gunicorn drains, or it kills requests in flight.
    assert int(service["TimeoutStopSec"]) > GRACEFUL_SECONDS
    assert service["EnvironmentFile"] == "/etc/citystat/citystat.env"
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_every_scheduled_job_has_a_timer_that_starts_a_real_command():
    template = read_unit(SYSTEMD / "citystat-job@.service")
    argv = shlex.split(template["Service"]["ExecStart"])
    assert argv[1] == "%i"
    assert template["Service"]["Type"] == "oneshot"
    commands = get_commands()
    found = set()
    for path in sorted(SYSTEMD.glob("*.timer")):
        timer = read_unit(path)
        target = timer["Timer"]["Unit"]
        match = re.fullmatch(r"citystat-job@([a-z-]+)\.service", target)
        assert match, f"{path.name}: Unit={target}"
        job = match.group(1)
        assert job in commands, f"{path.name} runs `citystat {job}`, which does not exist"
        assert timer["Timer"]["OnCalendar"]
        assert timer["Install"]["WantedBy"] == "timers.target"
        found.add(job)
    assert found == SCHEDULED_JOBS


def test_the_environment_example_names_only_documented_settings():
    names = []
    for line in (DEPLOY / "citystat.env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            assert value, line
            names.append(name)
    unknown = sorted(set(names) - documented_variables())
    assert not unknown, f"deploy/citystat.env.example sets undocumented {unknown}"
    for needed in ("CITYSTAT_SECRET_KEY", "CITYSTAT_ALLOWED_HOSTS", "DATABASE_URL"):
        assert needed in names


# nginx ------------------------------------------------------------------------------

NGINX_TOKEN = re.compile(
    r"""\s*(?:(#[^\n]*)|("(?:\\.|[^"])*"|'(?:\\.|[^'])*')|([{};])|([^\s{};"'#]+))"""
)


def parse_nginx(text: str) -> list:
    """Parse nginx configuration into [(directive, [args], children or None)]."""
    tokens: list[str] = []
    position = 0
    while position < len(text):
        match = NGINX_TOKEN.match(text, position)
        if not match or match.end() == position:
            if text[position:].strip() == "":
                break
            raise ValueError(f"cannot read nginx text at {text[position : position + 30]!r}")
        position = match.end()
        comment, quoted, punctuation, word = match.groups()
        if comment:
            continue
        tokens.append(quoted[1:-1] if quoted else punctuation or word)

    def block(index: int, closing: bool) -> tuple[list, int]:
        entries: list = []
        words: list[str] = []
        while index < len(tokens):
            token = tokens[index]
            index += 1
            if token == ";":
                if not words:
                    raise ValueError("a lone ';'")
                entries.append((words[0], words[1:], None))
                words = []
            elif token == "{":
                children, index = block(index, closing=True)
                entries.append((words[0], words[1:], children))
                words = []
            elif token == "}":
                if not closing or words:
                    raise ValueError(f"unexpected '}}' after {words}")
                return entries, index
            else:
                words.append(token)
        if closing or words:
            raise ValueError("unclosed block or directive without ';'")
        return entries, index

    return block(0, closing=False)[0]


def find(entries: list, name: str, *args: str) -> list:
    return [e for e in entries if e[0] == name and tuple(e[1][: len(args)]) == args]


def test_the_nginx_parser_rejects_broken_text():
    with pytest.raises(ValueError):
        parse_nginx("server { listen 80; ")
    with pytest.raises(ValueError):
        parse_nginx("server { listen 80 }")
    assert parse_nginx("a b; c { d 'e f'; }") == [
        ("a", ["b"], None),
        ("c", [], [("d", ["e f"], None)]),
    ]


@pytest.fixture(scope="module")
def nginx():
    return parse_nginx((DEPLOY / "nginx" / "citystat.conf").read_text(encoding="utf-8"))


def test_nginx_terminates_tls_and_proxies_to_the_nodes(nginx):
    [upstream] = find(nginx, "upstream", "citystat")
    assert find(upstream[2], "server")
    servers = find(nginx, "server")
    tls = [s for s in servers if find(s[2], "listen", "443")]
    assert len(tls) == 1
    body = tls[0][2]
    assert find(body, "ssl_certificate") and find(body, "ssl_certificate_key")
    [root] = find(body, "location", "/")
    headers = {args[0]: args[1] for _, args, _ in find(root[2], "proxy_set_header")}
    assert headers["X-Forwarded-Proto"] == "$scheme"
    assert headers["X-Forwarded-For"] == "$proxy_add_x_forwarded_for"
    assert headers["X-Request-ID"] == "$request_id"
    assert find(root[2], "proxy_pass", "http://citystat")
    # Plain HTTP only redirects.
    plain = [s for s in servers if find(s[2], "listen", "80")]
    assert plain and find(find(plain[0][2], "location", "/")[0][2], "return", "301")


def test_nginx_serves_the_collected_static_files_and_guards_metrics(nginx):
    [tls] = [s for s in find(nginx, "server") if find(s[2], "listen", "443")]
    body = tls[2]
    [static] = find(body, "location", settings.STATIC_URL)
    [alias] = find(static[2], "alias")
    assert alias[1][0].rstrip("/").endswith("/static")
    [metrics] = find(body, "location", "=", "/metrics")
    assert find(metrics[2], "deny", "all")
    [size] = find(body, "client_max_body_size")
    assert size[1] == [f"{settings.CITYSTAT_MAX_UPLOAD_BYTES // (1024 * 1024)}m"]


# Dockerfile and compose -------------------------------------------------------------

DOCKER_INSTRUCTIONS = {
    "FROM", "RUN", "CMD", "LABEL", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT", "VOLUME",
    "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL",
}  # fmt: skip


def dockerfile_instructions(path: Path) -> list[tuple[str, str]]:
    """Return (INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("#") or not line.strip():
            continue
        pending += line.rstrip()
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        keyword, _, arguments = pending.strip().partition(" ")
        instructions.append((keyword, arguments.strip()))
        pending = ""
    assert not pending, "the Dockerfile ends inside a continued line"
    return instructions


def test_the_dockerfile_builds_a_node_that_serves_and_reports_readiness():
    instructions = dockerfile_instructions(DEPLOY / "Dockerfile")
    keywords = [keyword for keyword, _ in instructions]
    assert keywords[0] == "FROM"
    assert set(keywords) <= DOCKER_INSTRUCTIONS, set(keywords) - DOCKER_INSTRUCTIONS
    arguments = dict(instructions)
    cmd = yaml.safe_load(arguments["CMD"])  # the JSON (exec) form
    assert cmd[0] == "citystat" and cmd[1] in get_commands()
    assert "0.0.0.0" in cmd
    assert "/readyz" in arguments["HEALTHCHECK"]
    assert arguments["STOPSIGNAL"] == "SIGTERM"
    assert arguments["USER"] != "root"
    env = dict(re.findall(r"(\w+)=(\S+)", arguments["ENV"]))
    citystat_env = {name for name in env if name.startswith("CITYSTAT_")}
    assert citystat_env <= documented_variables()
    runs = " ".join(args for keyword, args in instructions if keyword == "RUN")
    assert "[redis,s3]" in runs
    # The image runs the wheel (templates and static files inside), not a checkout.
    assert "pip wheel" in runs and ".whl" in runs and " -e " not in runs
    assert "citystat serve --collect-only" in runs
    # Every folder it copies exists in the repository.
    for keyword, args in instructions:
        if keyword == "COPY" and not args.startswith("--from="):
            for source in args.split()[:-1]:
                assert (ROOT / source).exists(), source


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


def test_compose_runs_web_nodes_with_postgres_and_redis(compose):
    services = compose["services"]
    assert {"db", "redis", "migrate", "web", "refresh"} <= services.keys()
    web = services["web"]
    assert web["deploy"]["replicas"] >= 2
    environment = web["environment"]
    assert environment["CITYSTAT_CACHE_URL"].startswith("redis://redis:")
    assert "@db:5432/" in environment["DATABASE_URL"]
    assert "/readyz" in " ".join(web["healthcheck"]["test"])
    assert web["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    # Longer than gunicorn's drain, so `docker compose stop` lets requests finish.
    assert int(web["stop_grace_period"].rstrip("s")) > GRACEFUL_SECONDS


def test_compose_commands_and_settings_exist(compose):
    commands = get_commands()
    documented = documented_variables()
    for name, service in compose["services"].items():
        if service.get("image", "").startswith("citystat"):
            assert service["command"][0] == "citystat", name
            assert service["command"][1] in commands, name
            unknown = {
                key
                for key in service["environment"]
                if key.startswith("CITYSTAT_") and key not in documented
            }
            assert not unknown, f"{name} sets undocumented {unknown}"
