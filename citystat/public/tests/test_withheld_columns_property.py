"""Public values do not depend on withheld columns (issue #16, High 2): shuffle a
dataset's withheld columns across its rows, load and compute again, and every public
value, measure page, download and API response stays byte-for-byte the same."""

from __future__ import annotations

import time_machine
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from citystat.catalog.ingest import ingest
from citystat.plan.compute.run import compute_measures
from citystat.plan.models import Measure, MeasureValue, Plan
from citystat.plan.testing import add_measure
from citystat.plan.tests.conftest import kansas_city  # noqa: F401
from citystat.plan.tests.test_withheld_columns import (  # noqa: F401
    BY_ADDRESS,
    ORIGINAL,
    private_csv,
    private_requests,
)

PUBLIC_SPECS = {
    "pothole-count": {
        **BY_ADDRESS,
        "filter": "category = 'Pothole'",
        "breakdowns": ["council_district"],
    },
    "closed-in-a-week": {
        **BY_ADDRESS,
        "aggregate": "share",
        "condition": "days_to_close <= 7",
        "breakdowns": ["category"],
    },
    "days-to-close": {
        **BY_ADDRESS,
        "aggregate": "mean",
        "field": "days_to_close",
        "grain": "quarter",
    },
}


def public_bodies(client) -> dict[str, object]:
    cache.clear()
    values = list(
        MeasureValue.objects.order_by(
            "measure__slug", "period", "breakdown", "breakdown_value"
        ).values_list("measure__slug", "period", "breakdown", "breakdown_value", "value")
    )
    bodies: dict[str, object] = {"values": values}
    for slug in PUBLIC_SPECS:
        for suffix in ("", "values.csv", "values.json"):
            response = client.get(f"/measures/{slug}/{suffix}")
            assert response.status_code == 200
            bodies[f"{slug}/{suffix}"] = response.content
        response = client.get(f"/api/v1/measures/{slug}/values/?page_size=1000")
        assert response.status_code == 200
        bodies[f"api {slug}"] = response.json()
    return bodies


@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
@given(addresses=st.permutations(ORIGINAL[0]), sizes=st.permutations(ORIGINAL[1]))
def test_shuffling_withheld_columns_changes_no_public_value(
    private_requests,  # noqa: F811
    tmp_path,
    client,
    monkeypatch,
    addresses,
    sizes,
):
    for slug, spec in PUBLIC_SPECS.items():
        if not Measure.objects.filter(slug=slug).exists():
            add_measure(slug, spec, unit="percent" if "share" in str(spec) else "count")
    Plan.objects.update(is_current=True)  # the public pages show the current plan
    # Load times are shown on the pages; only the withheld columns may differ between loads.
    with time_machine.travel("2025-06-01 12:00 +00:00", tick=False):
        ingest(private_requests, _written(tmp_path, *ORIGINAL))
        assert not compute_measures().failed
        before = public_bodies(client)

        ingest(private_requests, _written(tmp_path, addresses, sizes))
        assert not compute_measures().failed

        assert public_bodies(client) == before


def _written(folder, addresses: list[str], sizes: list[int]):
    path = folder / f"requests-{'-'.join(map(str, sizes))}.csv"
    path.write_text(private_csv(addresses, sizes), encoding="utf-8")
    return path
