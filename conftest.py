"""The test cast, the plan builder's fixtures and the isolation every test gets (see
STYLE.md, Tests, and CONTRIBUTING.md, Testing).

The cast and the builder are plain functions in `citystat.accounts.testing` and
`citystat.plan.testing`; the fixtures here only wrap them, so every app's tests get them
by name without importing a higher app's helpers (tests/test_import_direction.py).
"""

from __future__ import annotations

import os

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.core.signals import request_finished
from django.db import close_old_connections
from django.test import Client
from django.utils import translation

from citystat.accounts.permissions import Role
from citystat.accounts.testing import make_cast, make_departments, make_person
from citystat.city.models import forget_current_profile
from citystat.plan import revision
from citystat.plan.testing import build_scoped_measures, build_tiny_plan

# Tests never touch a developer's own var/ folder.
os.environ.setdefault("CITYSTAT_HOME", "/tmp/citystat-test-home")
# Tests get in-process caches, fresh per process; the shared caches (the database's, Redis)
# have their own tests in citystat/ops/tests, and `citystat serve` subprocesses use them.
os.environ.setdefault("CITYSTAT_CACHE_URL", "memory:")
# One audit key for the tests and the `citystat` subprocesses they start, so a log written
# in one verifies in the other (a site's nodes share their key the same way).
TEST_AUDIT_KEY = "citystat-tests-audit-key-not-a-secret-0123456789"
os.environ.setdefault("CITYSTAT_AUDIT_KEY", TEST_AUDIT_KEY)
# pytest-django may have read the settings already (see fresh_rate_limits below); the
# entries `migrate` writes when the test database is made must carry the same key.
django_settings.CITYSTAT_AUDIT_KEY = os.environ["CITYSTAT_AUDIT_KEY"]


@pytest.fixture(autouse=True)
def isolated_warehouse(settings, tmp_path):
    """Give each test its own DuckDB warehouse file and media folder under tmp_path."""
    settings.CITYSTAT_WAREHOUSE = str(tmp_path / "warehouse")
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return settings.CITYSTAT_WAREHOUSE


@pytest.fixture(autouse=True)
def briefings_in_the_foreground(settings):
    """Publishing an agenda starts no briefing thread in tests: one would outlive its test's
    database. Tests of the job run it themselves (citystat/meetings/tests/test_briefing.py)."""
    settings.CITYSTAT_BRIEFING_IN_BACKGROUND = False


@pytest.fixture(autouse=True)
def no_page_warming(settings):
    """A plan change warms no pages in tests: a thread would outlive its test's database,
    and every compute would render every page. Tests of warming choose their own mode
    (citystat/public/tests/test_warm_pages.py)."""
    settings.CITYSTAT_WARM_PAGES = "off"


@pytest.fixture(autouse=True)
def jobs_inline(settings):
    """Queued jobs run as their asker commits, in the test's thread: a job thread would
    outlive its test's database. Tests of the queue choose "worker" and run them."""
    settings.CITYSTAT_JOBS_RUN = "inline"


@pytest.fixture(autouse=True)
def isolated_audit_anchors(settings, tmp_path):
    """Give each test its own audit anchor file: each test's log is new."""
    settings.CITYSTAT_AUDIT_ANCHORS = str(tmp_path / "audit-anchors.jsonl")


@pytest.fixture(autouse=True)
def fresh_city_profile():
    """Forget the profile a process keeps between requests: each test's database is new."""
    forget_current_profile()
    yield
    forget_current_profile()


@pytest.fixture(autouse=True)
def default_language():
    """Leave the site's default language active after a test that asked for Spanish.

    The test client runs LocaleMiddleware in the test's own thread, and the language it
    activates would otherwise carry over into the next test.
    """
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def fresh_rate_limits(settings):
    """Start every test with no requests counted against the site's rate limits.

    The counts live in memory here, whatever cache a site configures, so tests without
    the database can still pass through rate-limited views.
    """
    settings.CACHES = {
        **settings.CACHES,
        # pytest-django may load the settings before this file sets CITYSTAT_CACHE_URL
        # (when pytest is given one test file), so the in-process cache is set here too.
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "citystat-test-default",
        },
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "citystat-test-ratelimit",
        },
    }
    caches["ratelimit"].clear()


@pytest.fixture(autouse=True)
def fresh_site_cache(fresh_rate_limits):
    """Start every test with an empty site cache.

    The database rolls back after each test but the in-process cache does not: a page
    kept under one test's stamps must not be served to the next test's other rows. New
    stamps are random, so nothing kept before can be found again.
    """
    caches["default"].clear()
    revision.forget_local()


@pytest.fixture(autouse=True)
def close_test_client_responses(monkeypatch):
    """Close every response the Django test client gave a test, when the test ends.

    The client closes a streamed response (a download, a SODA stream) only once its
    content has been read to the end; a test that checks only the status or the headers
    would leave the file or the warehouse connection behind it to the garbage collector,
    which reports it as a ResourceWarning during some later test (#23).
    """
    made = []
    request = Client.request

    def recording_request(self, **kwargs):
        response = request(self, **kwargs)
        made.append(response)
        return response

    monkeypatch.setattr(Client, "request", recording_request)
    yield
    # As the client itself does: closing fires request_finished, whose database clean-up
    # must not touch the test's own connection.
    request_finished.disconnect(close_old_connections)
    try:
        for response in made:
            if response.streaming:
                response.close()
    finally:
        request_finished.connect(close_old_connections)


# The test cast (citystat/accounts/testing.py).


@pytest.fixture
def departments(db):
    """Water Services and Public Works, keyed by code."""
    return make_departments()


@pytest.fixture
def cast(db, departments):
    """Every staff role's person, keyed by name (citystat/accounts/testing.py)."""
    return make_cast(departments)


@pytest.fixture
def alice(cast):
    """Performance office."""
    return cast["alice"]


@pytest.fixture
def bob(cast):
    """Department editor of Water Services."""
    return cast["bob"]


@pytest.fixture
def carol(cast):
    """Signed in, with no access."""
    return cast["carol"]


@pytest.fixture
def dana(cast):
    """Administrator."""
    return cast["dana"]


@pytest.fixture
def mona(cast):
    """Moderator."""
    return cast["mona"]


@pytest.fixture
def pat(cast, departments):
    """Department editor of Public Works (made only for the tests that ask)."""
    return make_person("pat", Role.DEPARTMENT_EDITOR, [departments["public-works"]])


@pytest.fixture
def resident():
    """A resident: a client that is not signed in."""
    return Client()


# The plan builder (citystat/plan/testing.py).


@pytest.fixture
def plan(db):
    """The tiny current plan: two areas, three goals, three measures (one not public)."""
    return build_tiny_plan()


@pytest.fixture
def scoped_measures(departments):
    """One measure per cast department, keyed by department code."""
    return build_scoped_measures(departments)
