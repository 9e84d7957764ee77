from io import StringIO

import pytest
from django.core.management import call_command

from citystat.jobs.models import JobRun
from citystat.jobs.runs import single_run

pytestmark = pytest.mark.django_db


def test_digest_skips_while_another_node_sends_the_digest():
    output = StringIO()
    with single_run("digest"):
        call_command("digest", stdout=output)
    assert "digest is already running on" in output.getvalue()
    assert "Sent" not in output.getvalue()


def test_digest_records_its_run():
    call_command("digest", stdout=StringIO())
    assert JobRun.objects.get(name="digest").status == JobRun.Status.SUCCEEDED
