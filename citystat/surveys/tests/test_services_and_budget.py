"""Service profiles and the budget explorer on a small demo city."""

import pytest

from citystat.demo.build import build_demo_city
from citystat.surveys.definition import DefinitionError
from citystat.surveys.models import ServiceProfile
from citystat.surveys.reports import service_profile_evidence
from citystat.surveys.services import import_services


@pytest.fixture
def demo(db, settings, tmp_path):
    settings.CITYSTAT_HOME = tmp_path / "home"
    settings.CITYSTAT_HOME.mkdir()
    build_demo_city(rows=20_000, seed=5)


def test_the_trash_profile_lines_up_every_source(client, demo):
    body = client.get("/services/trash-and-recycling/").content.decode()
    for title in (
        "Residents satisfied",
        "311 requests per month",
        "Median days to close",
        "Vacancy rate",
        "Employees engaged (department)",
        "Actual spending",
    ):
        assert f">{title}</h2>" in body
    assert "An association is not a cause" in body


def test_the_solid_waste_crisis_shows_as_vacancies_moving_with_close_times(demo):
    evidence = service_profile_evidence(ServiceProfile.objects.get(slug="trash-and-recycling"))
    by_month = evidence.correlations[0]
    assert by_month.label.startswith("Vacancy rate")
    assert by_month.coefficient > 0.3 and by_month.interval.excludes_zero()


def test_the_services_list_links_every_profile(client, demo):
    body = client.get("/services/").content.decode()
    for slug in ServiceProfile.objects.values_list("slug", flat=True):
        assert f'href="/services/{slug}/"' in body


def test_the_budget_explorer_shows_a_treemap_and_every_line(client, demo):
    response = client.get("/budget/?year=2025")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-chart-spec="chart-spec-budget"' in body
    assert "Where the money goes, FY2025" in body
    assert body.count("<tr>") > 40


def test_an_open_fiscal_year_says_so_instead_of_zero(client, demo):
    body = client.get("/budget/?year=2027").content.decode()
    assert "year not closed" in body


def test_a_bad_year_falls_back_to_the_latest(client, demo):
    assert "FY2027" in client.get("/budget/?year=drop%20table").content.decode()


def test_a_service_naming_a_missing_field_is_refused_before_saving(demo, tmp_path):
    path = tmp_path / "services.yaml"
    path.write_text(
        "services:\n"
        "  - {slug: x, title: X, department: Public Works,\n"
        "     requests: {dataset: budget, types: [A]}}\n"
    )
    with pytest.raises(DefinitionError, match="dataset 'budget' lacks type"):
        import_services(path)
    assert ServiceProfile.objects.count() == 4
