"""Health and readiness checks: `/healthz`, `/readyz` and `citystat serve`'s start-up check.

`/healthz` answers "is this process alive and can it reach its data" for a load balancer;
`/readyz` also says whether this node should get traffic: the database schema is fully
migrated (a node started during an upgrade waits for `citystat migrate`) and the shared
cache answers.
"""

from __future__ import annotations

from typing import TypedDict

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.utils import Error as DatabaseError

from citystat.catalog import warehouse
from citystat.ops.caches import check_caches


class HealthReport(TypedDict):
    status: str
    database: str
    warehouse: str


class ReadinessReport(TypedDict):
    status: str
    database: str
    warehouse: str
    migrations: str
    cache: str


def check_health() -> HealthReport:
    """Check the app database and the warehouse; never raise."""
    database = "ok"
    try:
        with connection.cursor() as cursor:
            cursor.execute("select 1")
    except DatabaseError as error:
        database = f"error: {type(error).__name__}"
    warehouse_state = "ok"
    try:
        warehouse.check()
    except Exception as error:  # noqa: BLE001 — any failure means "not healthy", with its name
        warehouse_state = f"error: {type(error).__name__}"
    healthy = database == "ok" and warehouse_state == "ok"
    return {
        "status": "ok" if healthy else "error",
        "database": database,
        "warehouse": warehouse_state,
    }


def check_migrations() -> str:
    """ "ok" when every migration the code has is applied, else how many are not."""
    try:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as error:
        return f"error: {type(error).__name__}"
    if pending:
        return f"error: {len(pending)} migration(s) not applied; run `citystat migrate`"
    return "ok"


def check_readiness() -> ReadinessReport:
    """Everything `check_health` checks, plus migrations and the shared cache; never raise."""
    health = check_health()
    migrations = check_migrations() if health["database"] == "ok" else "unknown"
    cache = check_caches()
    ready = health["status"] == "ok" and migrations == "ok" and cache == "ok"
    return {
        "status": "ok" if ready else "error",
        "database": health["database"],
        "warehouse": health["warehouse"],
        "migrations": migrations,
        "cache": cache,
    }
