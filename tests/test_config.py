import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.utils import ConnectionHandler

from citystat.lib.config import database_config, env_bool, env_int, redact_url


def test_env_bool_reads_yes_and_no_words(monkeypatch):
    monkeypatch.setenv("CITYSTAT_X", "yes")
    assert env_bool("CITYSTAT_X", False) is True
    monkeypatch.setenv("CITYSTAT_X", "0")
    assert env_bool("CITYSTAT_X", True) is False


def test_env_int_names_the_variable_when_not_a_number(monkeypatch):
    monkeypatch.setenv("CITYSTAT_N", "twelve")
    with pytest.raises(ImproperlyConfigured, match="CITYSTAT_N='twelve'"):
        env_int("CITYSTAT_N", 1)


def test_the_default_database_is_sqlite_under_home(tmp_path):
    assert database_config("", tmp_path)["NAME"] == str(tmp_path / "citystat.sqlite3")


def test_a_postgres_url_becomes_djangos_postgresql_backend(tmp_path):
    config = database_config("postgres://u:p@db.internal:5432/citystat", tmp_path)
    assert (config["ENGINE"], config["NAME"], config["HOST"]) == (
        "django.db.backends.postgresql",
        "citystat",
        "db.internal",
    )


def test_a_postgres_url_without_a_database_name_is_refused(tmp_path):
    with pytest.raises(ImproperlyConfigured, match="names no database"):
        database_config("postgres://u:p@db.internal:5432", tmp_path)


def test_passwords_never_reach_messages():
    assert redact_url("postgres://u:hunter2@h/db") == "postgres://u:***@h/db"


@pytest.mark.parametrize("url", ["", "sqlite:///{path}"])
def test_sqlite_databases_run_in_write_ahead_mode(tmp_path, url, django_db_blocker):
    config = database_config(url.format(path=tmp_path / "site.sqlite3"), tmp_path)
    connections = ConnectionHandler({"default": config})
    try:
        with django_db_blocker.unblock(), connections["default"].cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            journal = cursor.fetchone()[0]
            cursor.execute("PRAGMA synchronous")
            synchronous = cursor.fetchone()[0]
    finally:
        connections.close_all()
    assert (journal, synchronous) == ("wal", 1)  # 1 is NORMAL
