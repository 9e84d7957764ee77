"""A city whose 311 rows name neighborhoods by id: pages, rankings and links still agree."""

from __future__ import annotations

import pandas as pd
import pytest
from django.core.cache import cache

from citystat.plan.compute.engine import NOT_RECORDED
from citystat.plan.compute.run import compute_measures
from citystat.plan.models import MeasureValue, Plan
from citystat.plan.testing import add_measure
from citystat.public.plan_pages import latest_breakdown
from citystat.public.tests.id_city import HOODS, build_id_city


@pytest.fixture
def riverton(db, settings, tmp_path):
    settings.CITYSTAT_HOME = tmp_path / "home"
    cache.clear()
    return build_id_city(tmp_path / "source")


def year_of_requests(path) -> pd.DataFrame:
    """The page's window, computed with pandas: the year up to the latest request."""
    frame = pd.read_csv(path, dtype={"neighborhood": str}, parse_dates=["created_date"])
    last = frame["created_date"].max()
    return frame[frame["created_date"] > last - pd.Timedelta(days=365)]


def test_a_neighborhood_page_counts_the_rows_that_carry_its_id(riverton, client):
    recent = year_of_requests(riverton)
    here = recent[recent["neighborhood"] == "101"]
    assert len(here) > 20  # the rows hold "101", never "Old Mill"
    response = client.get("/neighborhoods/old-mill/")
    html = response.content.decode()
    assert response.status_code == 200
    assert f"<strong>{len(here)}</strong> requests to 311 from Old Mill" in html
    assert f"{int(here['closed_date'].isna().sum())} requests are still open" in html
    median = here["days_to_close"].median()
    assert f"within <strong>{median:g} days</strong>" in html


def test_only_sections_with_data_are_shown(riverton, client):
    html = client.get("/neighborhoods/elm-park/").content.decode()
    assert 'id="requests-title"' in html
    # Riverton publishes no demolitions, survey, meetings or news: no empty headings.
    for heading in ("demolitions-title", "satisfaction-title", "meetings-title", "updates-title"):
        assert f'id="{heading}"' not in html
    assert "does not publish" not in html and "publishes no data about" not in html


def test_a_breakdown_by_id_is_ranked_by_name_and_not_recorded_is_never_ranked_or_linked(
    riverton, client
):
    measure = add_measure(
        "requests-by-hood",
        {
            "dataset": "service-requests",
            "date": "created_date",
            "aggregate": "count",
            "grain": "month",
            "breakdowns": ["neighborhood"],
        },
    )
    Plan.objects.update(is_current=True)
    report = compute_measures([measure])
    assert not report.failed, report.failed
    period, ranked = latest_breakdown(measure, "neighborhood")
    frame = pd.read_csv(riverton, dtype={"neighborhood": str}, parse_dates=["created_date"])
    month = frame[frame["created_date"].dt.strftime("%Y-%m") == period]
    counts = month["neighborhood"].fillna(NOT_RECORDED).value_counts().to_dict()
    assert {area.name: area.value for area in ranked} == counts
    areas = [area for area in ranked if area.name != NOT_RECORDED]
    assert [area.rank for area in areas] == list(range(1, len(areas) + 1))
    assert {area.label for area in areas} <= set(HOODS.values())
    old_mill = next(area for area in ranked if area.name == "101")
    assert (old_mill.label, old_mill.url) == ("Old Mill", "/neighborhoods/old-mill/")
    unrecorded = next(area for area in ranked if area.name == NOT_RECORDED)
    assert (unrecorded.rank, unrecorded.url) == (0, None)
    assert ranked[-1] == unrecorded  # listed after every area
    page = client.get(measure.get_absolute_url()).content.decode()
    assert 'href="/neighborhoods/not-recorded/"' not in page
    assert '<a href="/neighborhoods/old-mill/">Old Mill</a>' in page
    # The place page finds the measure by the id its values carry.
    value = MeasureValue.objects.filter(
        measure=measure, breakdown="neighborhood", breakdown_value="101", is_partial=False
    ).order_by("-period_start")[0]
    assert value.value is not None
    assert 'id="area-measures"' in client.get("/neighborhoods/old-mill/").content.decode()


def test_the_search_example_is_one_of_the_citys_own_neighborhoods(riverton, client):
    html = client.get("/neighborhoods/").content.decode()
    assert "Westport" not in html
    # The middle of the list in reading order: Cañon Flats, Elm Park, Old Mill.
    assert "Type part of the name, such as “Elm Park”." in html
