from io import StringIO

import pytest
from django.core.management import call_command

from citystat.jobs.models import JobRun
from citystat.jobs.runs import single_run

pytestmark = pytest.mark.django_db


def test_remind_skips_while_another_node_sends_reminders():
    output = StringIO()
    with single_run("remind"):
        call_command("remind", stdout=output)
    assert "remind is already running on" in output.getvalue()
    assert "sent" not in output.getvalue()


def test_remind_records_its_run():
    call_command("remind", stdout=StringIO())
    assert JobRun.objects.get(name="remind").status == JobRun.Status.SUCCEEDED
