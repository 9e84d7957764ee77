import json

import pytest


@pytest.mark.django_db
def test_healthz_reports_database_and_warehouse(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok", "database": "ok", "warehouse": "ok"}


@pytest.mark.django_db
def test_healthz_is_503_when_the_warehouse_cannot_open(client, settings, tmp_path):
    (tmp_path / "warehouse.duckdb").write_text("this is not a DuckDB file")
    settings.CITYSTAT_WAREHOUSE = str(tmp_path / "warehouse.duckdb")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content)["warehouse"].startswith("error")


@pytest.mark.django_db
def test_healthz_is_read_only(client):
    assert client.post("/healthz").status_code == 405
