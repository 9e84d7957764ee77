"""Run the app under gunicorn, after checking that it can serve.

Stopping: SIGTERM (what systemd, Docker and `kill` send) or SIGINT drains the node:
gunicorn stops accepting, lets each worker finish the request it is answering, for up to
`GRACEFUL_SECONDS`, then exits 0. A load balancer polling `/readyz` moves traffic to the
other nodes meanwhile.
"""

from __future__ import annotations

import copy
import hashlib
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django import db
from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.management import call_command
from django.core.management.base import CommandError, OutputWrapper
from gunicorn.app.base import BaseApplication
from prometheus_client import multiprocess

from citystat.catalog import warehouse
from citystat.ops import metrics
from citystat.ops.caches import create_cache_tables
from citystat.ops.health import check_health

if TYPE_CHECKING:
    from django.core.handlers.wsgi import WSGIHandler
    from gunicorn.arbiter import Arbiter
    from gunicorn.workers.base import Worker

# How long a stopping node gives in-flight requests (a large download, a slow aggregate).
GRACEFUL_SECONDS = 30
# With threaded workers this is how long a worker's main loop may go silent before the
# master restarts it, not a limit on one request: SODA queries have their own time
# budget, and downloads are files the kernel sends (#16).
WORKER_TIMEOUT_SECONDS = 60
# Threads per worker. Each request holds one thread until its last byte is sent, so a
# slow reader of a large download costs one thread, not one whole worker; four workers
# of eight threads still answer /healthz with 31 slow readers connected (docs/cli.md).
DEFAULT_THREADS = 8


def site_url_for(host: str, port: int) -> str:
    """Return the address a browser on this machine reaches `--host`/`--port` at."""
    # A wildcard address is where the server listens, not an address to visit.
    if host in ("", "0.0.0.0", "::", "[::]"):
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


def adopt_site_url(host: str, port: int) -> str:
    """Make links in emails point at this server unless CITYSTAT_SITE_URL is set; return it.

    Confirmation, unsubscribe and reminder links otherwise named port 8000 whatever port
    `citystat demo --port` served (#21). Workers forked by gunicorn inherit the setting; a
    digest or reminder run from cron reads its own environment (docs/configuration.md).
    """
    if os.environ.get("CITYSTAT_SITE_URL"):
        return str(settings.CITYSTAT_SITE_URL)
    url = site_url_for(host, port)
    settings.CITYSTAT_SITE_URL = url
    return url


def serve(
    host: str, port: int, workers: int, stdout: OutputWrapper, threads: int = DEFAULT_THREADS
) -> None:
    """Collect static files, check health, and run gunicorn until stopped."""
    if not 0 < port < 65536:
        raise CommandError(f"--port {port} is not a port number (1–65535).", returncode=2)
    adopt_site_url(host, port)
    if workers < 1:
        raise CommandError(f"--workers {workers} must be at least 1.", returncode=2)
    if threads < 1:
        raise CommandError(f"--threads {threads} must be at least 1.", returncode=2)
    collect_static_if_changed()
    # Serve the collected, pre-compressed copies rather than the source folders.
    settings.WHITENOISE_USE_FINDERS = False
    report = check_health()
    if report["status"] != "ok":
        raise CommandError(
            f"not serving: app database {report['database']}, warehouse {report['warehouse']}; "
            "run `citystat migrate` and check DATABASE_URL and CITYSTAT_WAREHOUSE.",
            returncode=2,
        )
    # A site moved from Redis to the database cache has no cache tables yet.
    create_cache_tables()
    warm_pages_in_background()
    # The health check opened the warehouse and the app database; each worker must open
    # its own after fork. A PostgreSQL connection inherited by two workers interleaves
    # their queries on one socket (one worker reads the other's results): the soak
    # benchmark found this as scattered 500s under load.
    warehouse.forget_connections()
    db.connections.close_all()
    settings.CITYSTAT_ACCESS_LOG = True
    metrics_folder = prepare_metrics_folder() if settings.CITYSTAT_METRICS else None
    stdout.write(
        f"Serving citystat on http://{host}:{port} with {workers} worker(s) of {threads} "
        "thread(s); Ctrl-C stops."
    )
    try:
        GunicornApplication(gunicorn_options(host, port, workers, threads)).run()
    finally:
        if metrics_folder is not None and metrics_folder.name.startswith("citystat-metrics-"):
            shutil.rmtree(metrics_folder, ignore_errors=True)


def warm_pages_in_background() -> subprocess.Popen[bytes] | None:
    """Start `citystat warm`, which renders the public plan pages into the site cache, so
    the first visitors after a restart find them ready (citystat/public/warm.py).

    A process of its own: the workers start at once, and no thread runs in the master
    gunicorn forks them from. A process-local cache would hold its pages for no one.
    """
    if settings.CITYSTAT_WARM_PAGES == "off" or isinstance(caches["default"], LocMemCache):
        return None
    return subprocess.Popen(  # noqa: S603 — this interpreter, a fixed command
        [sys.executable, "-m", "citystat", "warm"],
        stdout=subprocess.DEVNULL,
        env={**os.environ, "CITYSTAT_WARM_PAGES": "foreground"},
    )


def static_fingerprint() -> str:
    """A digest of every static source file's path, size and modification time."""
    entries = []
    for finder in get_finders():
        for path, storage in finder.list([]):
            stat = os.stat(storage.path(path))
            entries.append(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(sorted(entries)).encode()).hexdigest()


def collect_static_if_changed() -> bool:
    """Run collectstatic unless STATIC_ROOT already holds these very files; say if it ran.

    Collecting compresses every file (gzip and Brotli) again, about half a minute of CPU,
    which a restarting node should not spend when nothing changed (an upgrade changes
    the files, and so the fingerprint).
    """
    marker = Path(settings.STATIC_ROOT) / ".citystat-collected"
    fingerprint = static_fingerprint()
    if marker.is_file() and marker.read_text() == fingerprint:
        return False
    call_command("collectstatic", interactive=False, verbosity=0)
    marker.write_text(fingerprint)
    return True


def gunicorn_options(
    host: str, port: int, workers: int, threads: int = DEFAULT_THREADS
) -> dict[str, Any]:
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        # Threaded workers: a sync worker is held for the whole of a slow client's
        # download, and four of those starved /healthz for 60 s (#16, High 3).
        "worker_class": "gthread",
        "threads": threads,
        # A worker takes a connection only while it has a free thread, so one busy with
        # downloads leaves the next request (a /healthz poll) to an idle worker instead
        # of queueing it behind them. Idle kept-alive connections would count against
        # that too, so none are kept: behind the proxy they are loopback and cheap.
        "worker_connections": threads,
        "keepalive": 0,
        # The app writes one access line per request itself, with its request id, in the
        # site's log format (citystat.ops.middleware); gunicorn's would be a second one.
        "accesslog": None,
        "errorlog": "-",
        "logconfig_dict": gunicorn_logging(),
        "timeout": WORKER_TIMEOUT_SECONDS,
        "graceful_timeout": GRACEFUL_SECONDS,
        "forwarded_allow_ips": "127.0.0.1",
        "child_exit": forget_worker_metrics,
        # gunicorn ≥ 25.1 opens a control socket at one fixed path per user; two nodes on
        # one machine (tests, a blue/green switch) would take it from each other.
        "control_socket_disable": True,
    }


def gunicorn_logging() -> dict[str, Any]:
    """gunicorn's own messages through the site's formatter (text or JSON)."""
    site = copy.deepcopy(settings.LOGGING)
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": site.get("filters", {}),
        "formatters": site.get("formatters", {}),
        "handlers": site.get("handlers", {}),
        "root": site.get("root", {}),
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False},
        },
    }


def prepare_metrics_folder() -> Path:
    """Give the workers an empty folder for their metric files (multiprocess mode).

    An operator's PROMETHEUS_MULTIPROC_DIR is used (and emptied: old workers' files would
    add dead processes' counts); otherwise a private temporary folder, removed at exit.
    """
    chosen = os.environ.get(metrics.MULTIPROCESS_VARIABLE)
    if chosen:
        folder = Path(chosen)
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.db"):
            stale.unlink()
    else:
        folder = Path(tempfile.mkdtemp(prefix="citystat-metrics-"))
    metrics.enable_multiprocess(str(folder))
    return folder


def forget_worker_metrics(server: Arbiter, worker: Worker) -> None:
    """gunicorn's child_exit hook: a dead worker's live gauges stop counting."""
    if metrics.multiprocess_mode():
        multiprocess.mark_process_dead(worker.pid)
    logging.getLogger("citystat.serve").info("worker %s exited", worker.pid)


class GunicornApplication(BaseApplication):
    """gunicorn run in-process with settings from the command line, not a config file."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        known = self.cfg.settings  # type: ignore[union-attr]
        for key, value in self.options.items():
            # Options newer than the installed gunicorn (the control socket) are skipped.
            if key in known:
                self.cfg.set(key, value)  # type: ignore[union-attr]

    def load(self) -> WSGIHandler:
        # Here, not at the top: importing citystat.wsgi builds the WSGI handler (and its
        # middleware), which gunicorn does in each worker, not in the master.
        from citystat.wsgi import application  # noqa: PLC0415

        return application
