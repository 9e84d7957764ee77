"""Run the app under gunicorn, after checking that it can serve."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from gunicorn.app.base import BaseApplication

from citystat.catalog import warehouse
from citystat.ops.health import check_health


def serve(host: str, port: int, workers: int, stdout: Any) -> None:
    """Collect static files, check health, and run gunicorn until stopped."""
    if not 0 < port < 65536:
        raise CommandError(f"--port {port} is not a port number (1–65535).", returncode=2)
    if workers < 1:
        raise CommandError(f"--workers {workers} must be at least 1.", returncode=2)
    call_command("collectstatic", interactive=False, verbosity=0)
    # Serve the collected, pre-compressed copies rather than the source folders.
    settings.WHITENOISE_USE_FINDERS = False
    report = check_health()
    if report["status"] != "ok":
        raise CommandError(
            f"not serving: app database {report['database']}, warehouse {report['warehouse']}; "
            "run `citystat migrate` and check DATABASE_URL and CITYSTAT_WAREHOUSE.",
            returncode=2,
        )
    # The health check opened the warehouse; each worker opens its own after fork.
    warehouse.forget_connections()
    stdout.write(
        f"Serving citystat on http://{host}:{port} with {workers} worker(s); Ctrl-C stops."
    )
    GunicornApplication(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "accesslog": "-",
            "errorlog": "-",
            "timeout": 60,
            "graceful_timeout": 10,
            "forwarded_allow_ips": "127.0.0.1",
        }
    ).run()


class GunicornApplication(BaseApplication):
    """gunicorn run in-process with settings from the command line, not a config file."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)  # type: ignore[union-attr]

    def load(self) -> Any:
        from citystat.wsgi import application

        return application
