"""The survey page sets each service's satisfaction, with our 95% interval, beside the
benchmark figures staff linked to it (#24)."""

import datetime as dt

import pytest

from citystat.peers.refresh import refresh_peer
from citystat.peers.register import add_peer, link_peer
from citystat.plan.models import MeasureValue
from citystat.plan.testing import add_measure
from citystat.surveys.tests.test_pages import resident_survey  # noqa: F401 (a fixture)

BENCHMARK = """measure,period,value,source,notes
streets-satisfaction,FY2026,58.5,https://example.org/national-2026,Synthetic national average
"""


@pytest.fixture
def streets(resident_survey):  # noqa: F811
    spec = {"dataset": resident_survey.dataset.slug, "survey": {"weight": "weight"}}
    measure = add_measure("streets-satisfaction", spec, unit="percent")
    MeasureValue.objects.create(
        measure=measure,
        period="FY2026",
        period_start=dt.date(2025, 7, 1),
        period_end=dt.date(2026, 6, 30),
        value=61.0,
        ci_lower=57.0,
        ci_upper=65.0,
        ci_n=800,
        origin="manual",
        source_note="survey",
    )
    return measure


def benchmark_peer(tmp_path, public: bool):
    path = tmp_path / "national.csv"
    path.write_text(BENCHMARK)
    peer = add_peer("National survey", "file", str(path), is_public=public, is_synthetic=True)
    link_peer(peer.slug, "streets-satisfaction", note="Residents nationwide.")
    refresh_peer(peer)


def test_satisfaction_stands_beside_the_benchmark_with_our_interval(client, streets, tmp_path):
    benchmark_peer(tmp_path, public=True)
    body = client.get("/surveys/demo-resident/").content.decode()
    table = body.split('id="survey-benchmarks"')[1].split("</table>")[0]
    assert "streets-satisfaction" in table and "61.0%" in table
    assert "57.0% – 65.0%" in table
    assert "National survey</a> (synthetic): 58.5%" in table
    assert 'href="https://example.org/national-2026"' in table


def test_a_benchmark_staff_did_not_publish_is_not_on_the_survey_page(client, streets, tmp_path):
    benchmark_peer(tmp_path, public=False)
    body = client.get("/surveys/demo-resident/").content.decode()
    assert "survey-benchmarks" not in body and "National survey" not in body
