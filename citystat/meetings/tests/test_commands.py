"""`citystat meetings generate|list`."""

import pytest
from django.core.management import CommandError, call_command


def test_generate_creates_the_next_meetings_with_agendas_and_is_idempotent(series, capsys):
    call_command("meetings", "generate", "--ahead", "3")
    assert "kcstat: 3 new meeting(s)" in capsys.readouterr().out
    call_command("meetings", "generate", "--ahead", "3")
    assert "kcstat: 0 new meeting(s)" in capsys.readouterr().out
    assert series.meetings.count() == 3
    assert all(meeting.agenda_items.exists() for meeting in series.meetings.all())


def test_list_shows_local_times_and_areas(series, capsys):
    call_command("meetings", "generate", "--ahead", "1")
    capsys.readouterr()
    call_command("meetings", "list")
    line = capsys.readouterr().out.strip()
    assert "09:00 CST" in line or "09:00 CDT" in line
    assert "Infrastructure" in line


def test_an_unknown_series_is_a_one_line_error(series):
    with pytest.raises(CommandError, match="no active series 'nope'"):
        call_command("meetings", "generate", "--series", "nope")


def test_an_unreadable_rule_names_the_series(series):
    series.rule = "FREQ=SOMETIMES"
    series.save()
    with pytest.raises(CommandError, match="kcstat: Not an iCalendar recurrence rule"):
        call_command("meetings", "generate")
