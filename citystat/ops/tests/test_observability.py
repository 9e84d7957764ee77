"""Request ids, /metrics and /readyz."""

from __future__ import annotations

import json
import socket

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from citystat.jobs.models import JobRun
from citystat.jobs.runs import single_run
from citystat.lib.deployment import cache_config

pytestmark = pytest.mark.django_db


def test_every_response_carries_a_fresh_request_id(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]
    assert len(first) == 32 and first != second


def test_a_request_id_from_the_proxy_is_kept(client):
    response = client.get("/healthz", headers={"X-Request-ID": "nginx-4f2a9c01e8"})
    assert response["X-Request-ID"] == "nginx-4f2a9c01e8"


def test_a_request_id_that_could_forge_log_lines_is_replaced(client):
    response = client.get("/healthz", headers={"X-Request-ID": 'x\n{"level": "ERROR"}'})
    assert "\n" not in response["X-Request-ID"] and len(response["X-Request-ID"]) == 32


def test_the_access_line_names_the_request_id(client, settings, caplog):
    settings.CITYSTAT_ACCESS_LOG = True
    with caplog.at_level("INFO", logger="citystat.access"):
        response = client.get("/healthz?token=secret-in-query")
    [record] = [r for r in caplog.records if r.name == "citystat.access"]
    assert record.request_id == response["X-Request-ID"]
    assert record.status == 200 and record.path == "/healthz"
    assert "secret-in-query" not in record.getMessage()


def test_metrics_are_off_by_default(client):
    assert client.get("/metrics").status_code == 404


@pytest.fixture
def metrics_on(settings):
    settings.CITYSTAT_METRICS = True
    settings.CITYSTAT_METRICS_TOKEN = ""
    return settings


def test_metrics_count_requests_by_view(client, metrics_on):
    client.get("/healthz")
    text = client.get("/metrics").content.decode()
    assert (
        'citystat_http_request_duration_seconds_count{method="GET",status="2xx",view="healthz"}'
        in text
    )
    assert "citystat_datasets_stale 0.0" in text


def test_metrics_report_job_runs_and_failures(client, metrics_on):
    with single_run("compute"):
        pass
    with pytest.raises(RuntimeError), single_run("refresh"):
        raise RuntimeError("source unreachable")
    text = client.get("/metrics").content.decode()
    assert 'citystat_job_runs{job="compute",status="succeeded"} 1.0' in text
    assert 'citystat_job_runs{job="refresh",status="failed"} 1.0' in text
    failed_at = JobRun.objects.get(name="refresh").started_at.timestamp()
    [line] = [
        line
        for line in text.splitlines()
        if line.startswith('citystat_job_last_failure_timestamp_seconds{job="refresh"}')
    ]
    assert float(line.split()[-1]) == pytest.approx(failed_at)


def test_a_metrics_token_is_required_when_set(client, metrics_on):
    metrics_on.CITYSTAT_METRICS_TOKEN = "s3cret-scraper-token"
    refused = client.get("/metrics")
    assert refused.status_code == 401
    assert refused["WWW-Authenticate"].startswith("Bearer")
    wrong = client.get("/metrics", headers={"Authorization": "Bearer guess"})
    assert wrong.status_code == 401
    allowed = client.get("/metrics", headers={"Authorization": "Bearer s3cret-scraper-token"})
    assert allowed.status_code == 200
    assert allowed["Content-Type"].startswith("text/plain; version=0.0.4")


def test_readyz_checks_database_warehouse_migrations_and_cache(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert json.loads(response.content) == {
        "status": "ok",
        "database": "ok",
        "warehouse": "ok",
        "migrations": "ok",
        "cache": "ok",
    }


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_readyz_is_503_when_the_shared_cache_is_down(client, settings):
    settings.CACHES = cache_config(f"redis://127.0.0.1:{closed_port()}/0")
    response = client.get("/readyz")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["cache"].startswith("error: default: ")
    assert body["database"] == "ok"


def test_readyz_is_503_when_a_migration_is_not_applied(client):
    # Forget that the last jobs migration ran, as on a node whose code is newer.
    MigrationRecorder(connection).migration_qs.filter(app="jobs").delete()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "not applied" in json.loads(response.content)["migrations"]


def test_the_database_cache_tables_exist_after_migrate(settings):
    # The suite itself runs on an in-memory cache (conftest.py), so the test database
    # was migrated without cache tables: migrate again with the production default.
    settings.CACHES = cache_config("")
    call_command("migrate", verbosity=0, interactive=False)
    for alias in ("default", "ratelimit"):
        caches[alias].set("citystat-test", 41)
        assert caches[alias].incr("citystat-test") == 42
