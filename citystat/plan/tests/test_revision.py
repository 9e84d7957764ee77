"""The plan's revision (plan/revision.py): shared by every process, bumped once per commit."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.core.cache.backends.filebased import FileBasedCache
from django.core.management import call_command
from django.db import transaction

from citystat.plan import revision
from citystat.plan.models import Plan, PriorityArea


@pytest.fixture
def two_processes(tmp_path, monkeypatch) -> Iterator[tuple[FileBasedCache, FileBasedCache]]:
    """Two cache clients on one shared store, as two web processes of a site have."""
    first = FileBasedCache(str(tmp_path / "cache"), {})
    second = FileBasedCache(str(tmp_path / "cache"), {})
    monkeypatch.setattr(revision, "cache", first)
    yield first, second


def test_a_change_committed_by_one_process_makes_the_other_build_anew(
    db, two_processes, monkeypatch, django_capture_on_commit_callbacks
):
    first, second = two_processes
    built: list[str] = []

    def build() -> str:
        built.append("page")
        return f"page {len(built)}"

    assert revision.cached_by_revision("page", build) == "page 1"
    assert revision.cached_by_revision("page", build) == "page 1"
    seen_by_first = revision.current()
    # The other process changes the plan and commits.
    monkeypatch.setattr(revision, "cache", second)
    assert revision.current() == seen_by_first  # they agree before …
    with django_capture_on_commit_callbacks(execute=True):
        Plan.objects.create(slug="p", title="P", first_fiscal_year=2025, last_fiscal_year=2026)
    changed = revision.current()
    monkeypatch.setattr(revision, "cache", first)
    assert revision.current() == changed != seen_by_first  # … and after
    assert revision.cached_by_revision("page", build) == "page 2"


def test_before_the_commit_only_the_changing_thread_reads_anew(
    db, two_processes, django_capture_on_commit_callbacks
):
    first, _ = two_processes
    before = revision.current()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        Plan.objects.create(slug="p", title="P", first_fiscal_year=2025, last_fiscal_year=2026)
        Plan.objects.create(slug="q", title="Q", first_fiscal_year=2025, last_fiscal_year=2026)
        # Others still read the committed rows, under the committed revision.
        assert first.get(revision.KEY) == before
        assert revision.current() != before
    bumps = [c for c in callbacks if isinstance(c, revision._OnCommit)]
    # One bump for the transaction, not one per row, of the plan's revision and of the
    # content stamp (the whole-page cache) alike.
    assert len(bumps) == 1
    assert bumps[0].names == {revision.PLAN, revision.CONTENT}
    assert first.get(revision.KEY) not in (None, before)
    assert revision.current() == first.get(revision.KEY)


def test_a_revision_lost_from_the_cache_never_brings_back_an_older_page(db, two_processes):
    first, _ = two_processes
    old = revision.current()
    revision.cached_by_revision("page", lambda: "old page")
    first.delete(revision.KEY)  # evicted, or the cache emptied
    assert revision.current() != old
    assert revision.cached_by_revision("page", lambda: "new page") == "new page"


def test_a_miss_is_not_cached(db, two_processes):
    assert revision.cached_by_revision("nothing", lambda: None) is None
    assert revision.cached_by_revision("nothing", lambda: "something") == "something"


def test_keys_from_urls_are_made_safe_for_every_cache(db, two_processes):
    key = revision.cache_key("measure:" + "é " * 200)
    assert key.isascii() and len(key) < 250 and " " not in key


@pytest.mark.django_db(transaction=True)
def test_a_write_outside_a_transaction_lands_and_so_does_its_stamp_with_the_cache_in_the_db(
    settings,
):
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "citystat_cache",
        },
    }
    call_command("createcachetable", verbosity=0)
    revision._request_began()
    try:
        before = revision.content()
        plan = Plan.objects.create(
            slug="p", title="P", first_fiscal_year=2025, last_fiscal_year=2026
        )
        area = plan.priority_areas.create(slug="streets", title="Streets", position=1)
        # What the execute wrapper calls only notes the change: written from inside the
        # statement, on SQLite it rolled the row back (the database cache shares the
        # connection), and the next row naming it failed its foreign key.
        noted = cache.get(revision.CONTENT_KEY)
        revision.content_changed()
        assert cache.get(revision.CONTENT_KEY) == noted
    finally:
        revision._request_ended()
    assert PriorityArea.objects.filter(pk=area.pk, plan=plan).exists()
    assert cache.get(revision.CONTENT_KEY) not in (None, before)  # written at the end
    assert cache.get(revision.KEY) is not None


class Moved:
    """Stands for a class that an upgrade moves to another module."""

    def __init__(self, text: str) -> None:
        self.text = text


def test_an_entry_written_by_older_code_is_built_again_not_a_failed_page(
    db, two_processes, monkeypatch, caplog
):
    # An upgrade renamed a module whose objects were in the shared cache (seen when the
    # public views moved to citystat/public/views/: every measure page answered 500).
    first, second = two_processes
    assert revision.cached_by_revision("page", lambda: Moved("old")).text == "old"
    monkeypatch.delattr(__import__(__name__, fromlist=["Moved"]), "Moved")
    # A new process: nothing of its own kept yet, only the shared cache's entry.
    monkeypatch.setattr(revision, "cache", second)
    revision.forget_local()
    assert revision.cached_by_revision("page", lambda: "new") == "new"
    assert "from other code" in caplog.text
    assert revision.cached_by_revision("page", lambda: "newer") == "new"
