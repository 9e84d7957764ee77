"""`citystat refresh`: due schedules run, failures retry with back-off, old data is stale."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from citystat.catalog.models import Dataset
from citystat.catalog.refresh import refresh_due, retry_delay, run_loop
from citystat.catalog.schedule import ScheduleError, parse_schedule

from .conftest import write

UTC = dt.UTC
NOON = dt.datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # a Monday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hourly", dt.datetime(2026, 3, 2, 13, 0, tzinfo=UTC)),
        ("daily", dt.datetime(2026, 3, 3, 12, 0, tzinfo=UTC)),
        ("every 15 minutes", dt.datetime(2026, 3, 2, 12, 15, tzinfo=UTC)),
        ("15 3 * * *", dt.datetime(2026, 3, 3, 3, 15, tzinfo=UTC)),
        ("0 6 * * 0", dt.datetime(2026, 3, 8, 6, 0, tzinfo=UTC)),
        ("*/20 12 * * *", dt.datetime(2026, 3, 2, 12, 20, tzinfo=UTC)),
        ("0 0 1 */3 *", dt.datetime(2026, 4, 1, 0, 0, tzinfo=UTC)),
        # Day of month and day of week are ORed, as cron does: the 1st or a Monday.
        ("0 3 1 * 1", dt.datetime(2026, 3, 9, 3, 0, tzinfo=UTC)),
        ("0 3 2 * 5", dt.datetime(2026, 3, 6, 3, 0, tzinfo=UTC)),
    ],
)
def test_schedules_give_the_next_run(text, expected):
    schedule = parse_schedule(text)
    assert schedule is not None and schedule.next_after(NOON) == expected


@pytest.mark.parametrize("text", ["sometimes", "61 * * * *", "* * *", "every 0 hours"])
def test_bad_schedules_say_what_is_accepted(text):
    with pytest.raises(ScheduleError):
        parse_schedule(text)


def test_a_cron_line_that_never_runs_says_so():
    schedule = parse_schedule("0 0 30 2 *")
    assert schedule is not None
    with pytest.raises(ScheduleError, match="never matches a real date"):
        schedule.next_after(NOON)


def test_a_dataset_with_a_bad_schedule_does_not_validate(scores):
    scores.refresh_schedule = "whenever"
    with pytest.raises(ValidationError, match="cron line of five fields"):
        scores.full_clean()


def test_retries_back_off_from_5_minutes_to_6_hours():
    delays = [retry_delay(n).total_seconds() / 60 for n in (1, 2, 3, 8, 20)]
    assert delays == [5, 10, 20, 360, 360]


@pytest.fixture
def scheduled(scores, tmp_path, settings):
    settings.CITYSTAT_SOURCE_FOLDERS = [str(tmp_path)]
    path = write(tmp_path, "id,opened,score\n1,01/07/2020,3\n")
    scores.source = str(path)
    scores.refresh_schedule = "daily"
    scores.save()
    return scores


def test_a_due_dataset_is_loaded_and_scheduled_again(scheduled):
    [result] = refresh_due(NOON)
    assert result.ok and result.next_refresh_at == NOON + dt.timedelta(days=1)
    assert scheduled.latest_version.started_by == "citystat refresh"
    assert refresh_due(NOON + dt.timedelta(hours=1)) == []


def test_a_failed_refresh_is_recorded_and_retried_sooner_each_time_longer(scheduled, tmp_path):
    write(tmp_path, "id,opened,score\n1,not a date,3\n")
    first = refresh_due(NOON)[0]
    assert not first.ok and "line 2, field 'opened'" in first.message
    assert first.next_refresh_at == NOON + dt.timedelta(minutes=5)
    second = refresh_due(NOON + dt.timedelta(minutes=5))[0]
    assert second.next_refresh_at == NOON + dt.timedelta(minutes=15)
    dataset = Dataset.objects.get(slug="scores")
    assert dataset.refresh_failures == 2
    assert list(dataset.versions.values_list("status", flat=True)) == ["failed", "failed"]


def test_the_refresh_command_exits_2_when_a_load_failed(scheduled, tmp_path, capsys):
    write(tmp_path, "id,opened,score\nx,01/07/2020,3\n")
    with pytest.raises(CommandError, match="1 dataset\\(s\\) failed to refresh") as caught:
        call_command("refresh")
    assert caught.value.returncode == 2
    assert "scores: FAILED" in capsys.readouterr().out


def test_the_loop_checks_again_after_waiting(scheduled):
    waits: list[float] = []
    reports: list = []
    run_loop(30, reports.append, rounds=2, sleep=waits.append)
    assert waits == [30] and len(reports) == 1


def test_data_older_than_its_update_frequency_is_stale(scheduled):
    refresh_due(NOON)
    version = scheduled.latest_version
    assert not scheduled.is_stale(version.finished_at + dt.timedelta(hours=30))
    scheduled.update_frequency = "daily"
    assert scheduled.is_stale(version.finished_at + dt.timedelta(hours=37))
    scheduled.update_frequency = "as_needed"
    assert not scheduled.is_stale(timezone.now() + dt.timedelta(days=900))
