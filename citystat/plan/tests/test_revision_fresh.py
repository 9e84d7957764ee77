"""Entries kept with `fresh_for` (plan/revision.py): built again by one request at a time
once old, the others served the entry it replaces, never past twice that age."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.core.cache import cache

from citystat.plan import revision

NOW = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def empty_caches(db):
    cache.clear()
    revision.forget_local()
    yield
    revision.forget_local()


class Builder:
    """Counts its builds; the build numbered `hold` waits until released."""

    def __init__(self, hold: int = 0) -> None:
        self.count = 0
        self.hold = hold
        self.started = threading.Event()
        self.release = threading.Event()

    def __call__(self) -> str:
        self.count += 1
        number = self.count
        if number == self.hold:
            self.started.set()
            assert self.release.wait(10)
        return f"page {number}"


def kept(build: Builder) -> str:
    return revision.cached_by_revision("page", build, language="en", fresh_for=60, timeout=120)


def test_two_requests_for_an_old_entry_build_it_once_and_the_other_gets_the_old_one():
    build = Builder(hold=2)
    with time_machine.travel(NOW, tick=False) as traveller:
        assert kept(build) == "page 1"
        assert kept(build) == "page 1"
        traveller.shift(61)
        got: dict[str, str] = {}
        first = threading.Thread(target=lambda: got.setdefault("first", kept(build)))
        first.start()
        assert build.started.wait(10)  # the first request is building it again …
        revision.forget_local()  # (as another process would)
        assert kept(build) == "page 1"  # … the second gets the old entry, builds nothing
        assert build.count == 2
        build.release.set()
        first.join(10)
        assert got["first"] == "page 2"
        revision.forget_local()
        assert kept(build) == "page 2"  # the new entry, for everyone
        assert build.count == 2


def test_an_entry_twice_as_old_is_never_returned_even_while_another_builds_it():
    build = Builder()
    with time_machine.travel(NOW, tick=False) as traveller:
        assert kept(build) == "page 1"
        # Another request of the site holds the refresh lock (and never finishes).
        assert cache.add(revision.cache_key("page", "en") + ":refresh", 1, 600)
        traveller.shift(119)
        assert kept(build) == "page 1"
        revision.forget_local()
        assert kept(build) == "page 1"
        traveller.shift(2)
        assert kept(build) == "page 2"
        assert build.count == 2


def test_a_stamp_change_makes_an_entry_unreachable_at_once():
    build = Builder()
    with time_machine.travel(NOW, tick=False) as traveller:
        assert kept(build) == "page 1"
        traveller.shift(5)  # fresh
        revision.stamp_changed(revision.PLAN)
        assert kept(build) == "page 2"
        revision.stamp_changed("content")
        assert (
            revision.cached_by_revision(
                "page", build, language="en", fresh_for=60, stamps=[revision.PLAN, "content"]
            )
            == "page 3"
        )


def test_a_failed_build_leaves_the_refresh_to_the_next_request():
    calls: list[int] = []

    def failing() -> str:
        calls.append(1)
        raise RuntimeError("render failed")

    with time_machine.travel(NOW, tick=False) as traveller:
        assert kept(Builder()) == "page 1"
        traveller.shift(61)
        with pytest.raises(RuntimeError):
            kept(failing)
        again = Builder()
        assert kept(again) == "page 1"
        assert again.count == 1  # built again by this request (the lock was let go)
        assert calls == [1]
