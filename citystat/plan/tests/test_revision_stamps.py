"""Stamps beside the plan's revision (plan/revision.py, "Other stamps"): one helper, one table."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache.backends.filebased import FileBasedCache
from django.db import transaction

from citystat.plan import revision
from citystat.plan.models import Plan


@pytest.fixture
def two_processes(tmp_path, monkeypatch) -> Iterator[tuple[FileBasedCache, FileBasedCache]]:
    """Two cache clients on one shared store, as two web processes of a site have."""
    first = FileBasedCache(str(tmp_path / "cache"), {})
    second = FileBasedCache(str(tmp_path / "cache"), {})
    monkeypatch.setattr(revision, "cache", first)
    revision.forget_stamps()
    revision.forget_local()
    yield first, second
    revision.forget_stamps()
    revision.forget_local()


def make_plan(slug: str) -> Plan:
    return Plan.objects.create(slug=slug, title=slug, first_fiscal_year=2025, last_fiscal_year=2026)


def test_the_module_s_table_names_every_watched_model():
    watched = revision.watched()
    assert set(watched) >= {"meetings", "board"}
    doc = revision.__doc__ or ""
    for family, labels in watched.items():
        assert f'"{family}' in doc
        for label in labels:
            # The table writes labels as the apps spell them: meetings.FollowUp.
            app, model = label.split(".")
            assert f"{app.split('.')[-1]}.{model}" in doc, label


def test_a_stamp_changes_on_commit_for_every_process_and_once_per_transaction(
    db, two_processes, monkeypatch, django_capture_on_commit_callbacks
):
    first, second = two_processes
    before = revision.stamp("meetings")
    plan_before = revision.current()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        revision.stamp_changed("meetings")
        revision.stamp_changed("meetings")
        revision.stamp_changed("board:7")
        # Others still read the committed stamp; this thread reads one of its own.
        assert first.get(revision.STAMP_KEY + "meetings") == before
        assert revision.stamp("meetings") != before
    assert len(callbacks) == 1
    after = first.get(revision.STAMP_KEY + "meetings")
    assert after not in (None, before) and revision.stamp("meetings") == after
    monkeypatch.setattr(revision, "cache", second)
    assert revision.stamp("meetings") == after
    # Neither is the plan's: no plan page is built again for it.
    assert revision.current() == plan_before


def test_a_rolled_back_change_moves_no_stamp(db, two_processes):
    first, _ = two_processes
    before = revision.stamp("meetings")
    with pytest.raises(RuntimeError), transaction.atomic():
        revision.stamp_changed("meetings")
        raise RuntimeError("refused")
    assert first.get(revision.STAMP_KEY + "meetings") == before


def test_an_entry_is_built_again_only_when_a_stamp_it_is_kept_under_moves(
    db, two_processes, django_capture_on_commit_callbacks
):
    built: list[str] = []

    def build() -> str:
        built.append("x")
        return f"built {len(built)}"

    def memo() -> str:
        return revision.cached_by_revision("memo", build, stamps=["plan", "meetings"])

    def board() -> str:
        return revision.cached_by_revision("board", build, stamps=["board:1"])

    assert (memo(), board()) == ("built 1", "built 2")
    revision.stamp_changed("board:2")  # another meeting's board
    assert (memo(), board()) == ("built 1", "built 2")
    revision.stamp_changed("meetings")
    assert (memo(), board()) == ("built 3", "built 2")
    with django_capture_on_commit_callbacks(execute=True):
        make_plan("p")
    assert (memo(), board()) == ("built 4", "built 2")
    revision.stamp_changed("board:1")
    assert (memo(), board()) == ("built 4", "built 5")


def test_the_plan_s_key_is_the_same_with_or_without_naming_it(db, two_processes):
    assert revision.cache_key("goal:1") == revision.cache_key("goal:1", stamps=["plan"])
    assert revision.cache_key("goal:1") != revision.cache_key("goal:1", stamps=["meetings"])


def test_a_trusted_stamp_is_read_again_after_its_time(db, two_processes):
    first, second = two_processes
    seen = revision.stamp("board:3", fresh_for=60)
    # Another process's change: this one trusts the token it read for a minute.
    second.set(revision.STAMP_KEY + "board:3", "moved", None)
    assert revision.stamp("board:3", fresh_for=60) == seen
    assert revision.stamp("board:3", fresh_for=0.000001) == "moved"
    assert revision.stamp("board:3") == "moved"
