"""The throttling arithmetic (throttle.Limit) and which failures each limit counts."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from citystat.accounts.models import SignInAttempt
from citystat.accounts.throttle import (
    ACCOUNT,
    ACCOUNT_FROM_ADDRESS,
    ADDRESS,
    CODES,
    Limit,
    code_locked_until,
    locked_until,
    note_attempt,
)

MINUTE = dt.timedelta(minutes=1)
LIMIT = Limit(free=5, first_lock=MINUTE, longest_lock=dt.timedelta(hours=1))
AT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def test_failures_below_the_threshold_do_not_lock():
    assert [LIMIT.lock_length(n) for n in range(5)] == [dt.timedelta(0)] * 5
    assert LIMIT.lock_end(4, AT) is None


def test_the_lock_starts_at_a_minute_and_doubles():
    assert [LIMIT.lock_length(n) / MINUTE for n in range(5, 11)] == [1, 2, 4, 8, 16, 32]


def test_the_lock_stops_growing_at_its_longest():
    assert LIMIT.lock_length(11) == dt.timedelta(hours=1)
    assert LIMIT.lock_length(500) == dt.timedelta(hours=1)


def test_the_lock_ends_its_length_after_the_latest_failure():
    assert LIMIT.lock_end(7, AT) == AT + 4 * MINUTE


@given(st.integers(min_value=0, max_value=10_000))
def test_one_more_failure_never_shortens_the_lock(failures):
    assert LIMIT.lock_length(failures + 1) >= LIMIT.lock_length(failures)


def test_the_documented_numbers():
    assert (ACCOUNT_FROM_ADDRESS.free, ACCOUNT_FROM_ADDRESS.longest_lock) == (5, 60 * MINUTE)
    assert (ADDRESS.free, ADDRESS.window) == (20, 60 * MINUTE)
    assert (ACCOUNT.free, ACCOUNT.longest_lock, ACCOUNT.window) == (
        50,
        15 * MINUTE,
        dt.timedelta(days=1),
    )
    assert (CODES.free, CODES.first_lock, CODES.longest_lock) == (5, MINUTE, 60 * MINUTE)


def test_wrong_codes_are_not_counted_as_wrong_passwords(db):
    for _ in range(6):
        note_attempt("alice", "192.0.2.1", succeeded=False, kind=SignInAttempt.Kind.CODE)
    assert locked_until("alice", "192.0.2.1") is None
    assert code_locked_until("alice") is not None


def test_a_right_password_does_not_clear_wrong_codes(db):
    for _ in range(5):
        note_attempt("alice", "192.0.2.1", succeeded=True)
        note_attempt("alice", "192.0.2.1", succeeded=False, kind=SignInAttempt.Kind.CODE)
    assert code_locked_until("alice") is not None


def test_a_right_code_clears_wrong_codes(db):
    with time_machine.travel(AT, tick=False) as clock:
        for _ in range(4):
            note_attempt("alice", None, succeeded=False, kind=SignInAttempt.Kind.CODE)
        clock.shift(dt.timedelta(seconds=1))
        note_attempt("alice", None, succeeded=True, kind=SignInAttempt.Kind.CODE)
        clock.shift(dt.timedelta(seconds=1))
        note_attempt("alice", None, succeeded=False, kind=SignInAttempt.Kind.CODE)
        assert code_locked_until("alice") is None


def test_failures_from_one_address_lock_only_that_address(db):
    with time_machine.travel(AT, tick=False):
        for _ in range(5):
            note_attempt("alice", "203.0.113.5", succeeded=False)
        assert locked_until("alice", "203.0.113.5") == timezone.now() + MINUTE
        assert locked_until("alice", "192.0.2.1") is None


def test_many_addresses_slow_the_account_for_new_addresses_only(db):
    with time_machine.travel(AT, tick=False):
        note_attempt("alice", "192.0.2.1", succeeded=True)
        for number in range(50):
            note_attempt("alice", f"203.0.113.{number}", succeeded=False)
        assert locked_until("alice", "198.51.100.1") == timezone.now() + MINUTE
        assert locked_until("alice", "192.0.2.1") is None


def test_account_wide_failures_older_than_a_day_no_longer_count(db):
    with time_machine.travel(AT, tick=False) as clock:
        for number in range(50):
            note_attempt("alice", f"203.0.113.{number}", succeeded=False)
        clock.shift(dt.timedelta(days=1, seconds=1))
        assert locked_until("alice", "198.51.100.1") is None


def test_a_long_run_of_failures_keeps_the_lock_at_its_longest(db):
    # Before #16 the lock was first_lock * 2 ** n, which overflowed after some forty
    # failures and turned every later sign-in for the account into a server error.
    with time_machine.travel(AT, tick=False):
        for _ in range(60):
            note_attempt("alice", "203.0.113.5", succeeded=False)
        assert locked_until("alice", "203.0.113.5") == timezone.now() + dt.timedelta(hours=1)
