"""`citystat dataset delete` is refused while a measure reads the dataset (issue #17)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from citystat.catalog import warehouse
from citystat.catalog.models import Dataset
from citystat.plan.testing import add_measure


def test_delete_is_refused_listing_the_measures_that_read_the_dataset(requests):
    add_measure("requests-closed", {"dataset": "requests", "aggregate": "count"})
    add_measure("requests-open", {"aggregate": "count"}, dataset=requests)
    add_measure("manual", {})
    with pytest.raises(CommandError) as caught:
        call_command("dataset", "delete", "requests")
    message = str(caught.value)
    assert "measure 'requests-closed', measure 'requests-open'" in message
    assert "manual" not in message
    assert caught.value.returncode == 2
    assert Dataset.objects.filter(slug="requests").exists()
    assert warehouse.row_count("requests") == 7
