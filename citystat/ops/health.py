"""Health checks shared by `/healthz` and `citystat serve`'s start-up check."""

from __future__ import annotations

from typing import TypedDict

from django.db import connection
from django.db.utils import Error as DatabaseError

from citystat.catalog import warehouse


class HealthReport(TypedDict):
    status: str
    database: str
    warehouse: str


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
