"""Staff measure pages write values, targets and tolerances through plan/display.py (#20),
as the public pages do: a percent measure reads "61.6%", never "61.64" beside "61.6%"."""

from __future__ import annotations

import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from citystat.accounts.permissions import Role
from citystat.accounts.roles import sync_roles
from citystat.accounts.testing import signed_in_person as person
from citystat.plan.models import MeasureValue, Target
from citystat.plan.tests.test_compute_values import make_measure

pytestmark = pytest.mark.usefixtures("requests")


@pytest.fixture
def share(db):
    sync_roles()
    measure = make_measure({"aggregate": "count", "grain": "month"}, slug="share-closed")
    measure.spec, measure.unit, measure.data_source = {}, "percent", "Typed in"
    measure.save()
    Target.objects.create(measure=measure, fiscal_year=2025, value=60, tolerance=2)
    return measure


@pytest.fixture
def alice(share):
    return person("alice", Role.PERFORMANCE_STAFF)


def page_text(client, url: str, **extra: object) -> str:
    response = client.get(url, **extra)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_the_staff_measure_pages_show_values_in_the_measures_unit(share, alice):
    for month, value, partial in (("02", 61.64, False), ("03", 55.55, True)):
        MeasureValue.objects.create(
            measure=share,
            period=f"2025-{month}",
            period_start=f"2025-{month}-01",
            period_end=f"2025-{month}-28",
            value=value,
            is_partial=partial,
        )
    detail = page_text(alice, "/staff/measures/share-closed/")
    assert "61.6%" in detail and "60.0%" in detail
    assert "±\u00a02.0 percentage points" in detail
    assert "61.64" not in detail and "55.5" in detail
    # The value listing names the running period from `is_partial`, as the downloads do.
    assert "partial period" in detail
    listing = page_text(alice, "/staff/measures/")
    assert "61.6%" in listing and "61.64" not in listing
    spanish = page_text(alice, "/staff/measures/", HTTP_ACCEPT_LANGUAGE="es")
    assert "61,6\u00a0%" in spanish


def test_the_values_upload_shows_what_was_saved_in_the_measures_unit(share, alice):
    upload = SimpleUploadedFile("v.csv", b"measure,period,value\nshare-closed,2025-01,72.25\n")
    response = alice.post("/staff/bulk/values/", {"file": upload, "source_note": "typed"})
    assert response.status_code == 200
    text = html.unescape(response.content.decode())
    assert "72.2%" in text and "72.2500" not in text
