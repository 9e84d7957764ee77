"""Where shared state goes on several nodes: CITYSTAT_CACHE_URL, CITYSTAT_MEDIA_URL, logs."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from citystat.lib import deployment
from citystat.lib.deployment import cache_config, logging_config, media_settings
from citystat.lib.logs import JsonFormatter, RequestIdFilter, reset_request_id, set_request_id

HOME = Path("/srv/citystat")


def test_the_default_cache_is_the_app_database_for_both_caches():
    caches = cache_config("")
    assert caches["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    assert caches["ratelimit"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    # Separate tables: clearing cached pages must not reset anyone's rate limit.
    assert caches["default"]["LOCATION"] != caches["ratelimit"]["LOCATION"]


def test_a_redis_url_gives_redis_caches_with_separate_prefixes():
    caches = cache_config("redis://10.0.0.5:6379/2")
    for alias in ("default", "ratelimit"):
        assert caches[alias]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
        assert caches[alias]["LOCATION"] == "redis://10.0.0.5:6379/2"
    assert caches["default"]["KEY_PREFIX"] != caches["ratelimit"]["KEY_PREFIX"]


def test_an_unknown_cache_url_is_refused_without_its_password():
    with pytest.raises(ImproperlyConfigured) as error:
        cache_config("memcached://user:hunter2@cache:11211")
    assert "CITYSTAT_CACHE_URL" in str(error.value)
    assert "hunter2" not in str(error.value)


def test_uploads_default_to_the_home_folder():
    storage, root = media_settings("", HOME)
    assert storage["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert root == HOME / "media"


def test_a_file_url_names_a_shared_folder():
    storage, root = media_settings("file:///mnt/nfs/citystat-media", HOME)
    assert storage["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert root == Path("/mnt/nfs/citystat-media")


def test_an_s3_url_gives_private_object_storage_with_its_endpoint_and_region():
    storage, _ = media_settings(
        "s3://city-uploads/citystat/media?endpoint_url=https://minio.city.gov:9000&region=us-east-2",
        HOME,
    )
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    options = storage["OPTIONS"]
    assert options["bucket_name"] == "city-uploads"
    assert options["location"] == "citystat/media"
    assert options["endpoint_url"] == "https://minio.city.gov:9000"
    assert options["region_name"] == "us-east-2"
    assert options["default_acl"] == "private"
    assert options["querystring_auth"] is True


def test_django_storages_accepts_the_s3_options():
    pytest.importorskip("storages")
    # Imported here: django-storages is an optional extra, skipped above when missing.
    from storages.backends.s3 import S3Storage  # noqa: PLC0415

    storage, _ = media_settings("s3://city-uploads/media?region=us-east-2", HOME)
    # Constructing it reads the options but contacts nothing.
    backend = S3Storage(**storage["OPTIONS"])
    assert backend.bucket_name == "city-uploads"
    assert backend.location == "media"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("s3://KEY:hunter2@bucket/media", "must not hold credentials"),
        ("s3:///media", "names no bucket"),
        ("s3://bucket/media?acl=public-read", "unknown option(s) acl"),
        ("ftp://files.city.gov/media", "not a storage citystat supports"),
        ("relative/folder", "not a storage citystat supports"),
    ],
)
def test_unusable_media_urls_are_refused_with_a_reason(url, expected):
    with pytest.raises(ImproperlyConfigured) as error:
        media_settings(url, HOME)
    assert expected in str(error.value)
    assert "hunter2" not in str(error.value)


def test_log_format_must_be_text_or_json():
    assert logging_config("JSON", "INFO")["formatters"]["citystat"] == {
        "()": "citystat.lib.logs.JsonFormatter"
    }
    with pytest.raises(ImproperlyConfigured, match="CITYSTAT_LOG_FORMAT"):
        logging_config("xml", "INFO")


def test_a_json_log_line_carries_the_request_id_and_extra_fields():
    record = logging.LogRecord("citystat.access", logging.INFO, __file__, 1, "GET %s", ("/",), None)
    record.status = 200
    token = set_request_id("req-12345678")
    try:
        RequestIdFilter().filter(record)
    finally:
        reset_request_id(token)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "GET /"
    assert line["request_id"] == "req-12345678"
    assert line["status"] == 200
    assert line["level"] == "INFO"


def test_the_settings_module_reads_the_variables(tmp_path):
    # A fresh interpreter, since settings are read once per process.
    script = (
        "from django.conf import settings as s; "
        "print(s.CACHES['default']['BACKEND']); print(s.STORAGES['default']['BACKEND']); "
        "print(s.SESSION_ENGINE)"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "CITYSTAT_HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "citystat.settings",
        "CITYSTAT_CACHE_URL": "redis://127.0.0.1:6379/0",
        "CITYSTAT_MEDIA_URL": "s3://bucket/media",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + script],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.core.cache.backends.redis.RedisCache",
        "storages.backends.s3.S3Storage",
        "django.contrib.sessions.backends.db",
    ]


def test_check_deploy_is_clean_for_a_multi_node_production_site(tmp_path):
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CITYSTAT_", "DJANGO_")) and key != "DATABASE_URL"
    }
    environment.update(
        CITYSTAT_HOME=str(tmp_path),
        CITYSTAT_ALLOWED_HOSTS="stat.example.gov",
        CITYSTAT_SECRET_KEY="a-production-key-that-is-long-and-random-0123456789abcdef",
        CITYSTAT_HTTPS="1",
        CITYSTAT_PROXY_COUNT="1",
        CITYSTAT_CACHE_URL="redis://10.0.0.5:6379/0",
        CITYSTAT_MEDIA_URL="s3://city-uploads/media?region=us-east-2",
        CITYSTAT_LOG_FORMAT="json",
        CITYSTAT_METRICS="1",
        CITYSTAT_METRICS_TOKEN="a-scraper-token",
    )
    result = subprocess.run(
        [sys.executable, "-m", "citystat", "check", "--deploy", "--fail-level", "WARNING"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("package", "build", "extra"),
    [
        ("redis", lambda: cache_config("redis://10.0.0.5:6379/0"), "redis"),
        ("storages", lambda: media_settings("s3://bucket/uploads", Path("/tmp")), "s3"),
    ],
)
def test_a_setting_whose_extra_is_missing_names_the_extra(package, build, extra, monkeypatch):
    real_find_spec = deployment.find_spec
    monkeypatch.setattr(
        deployment, "find_spec", lambda name: None if name == package else real_find_spec(name)
    )
    with pytest.raises(ImproperlyConfigured, match=rf"pip install 'citystat\[{extra}\]'"):
        build()


def test_the_cli_says_which_extra_to_install_in_one_sentence(tmp_path):
    env = {
        **os.environ,
        "CITYSTAT_HOME": str(tmp_path / "home"),
        "CITYSTAT_CACHE_URL": "redis://127.0.0.1:6379/0",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    command = HIDE_REDIS + "from citystat.cli import main; main(['citystat', 'datasets'])"
    result = subprocess.run(
        [sys.executable, "-c", command], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 2
    assert "pip install 'citystat[redis]'" in result.stderr
    assert "Traceback" not in result.stderr


# find_spec finds a module without importing it: hide redis from the finder itself.
HIDE_REDIS = (
    "import importlib.util as u; real = u.find_spec; "
    "u.find_spec = lambda name, *a: None if name == 'redis' else real(name, *a); "
)
