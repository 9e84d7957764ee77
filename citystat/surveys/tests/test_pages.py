import pytest

from citystat.surveys.definition import DEFINITIONS_FOLDER, shipped_definition
from citystat.surveys.documents import export_survey, import_survey
from citystat.surveys.models import Survey
from citystat.surveys.tests.conftest import load_survey_file


@pytest.fixture
def resident_survey(db, demo_survey_files, tmp_path):
    definition = shipped_definition("demo-resident")
    load_survey_file(definition, demo_survey_files["resident"])
    # The demo definition links items to the demo plan; this test has no plan.
    text = (DEFINITIONS_FOLDER / "demo-resident.yaml").read_text().split("\nlinks:")[0]
    path = tmp_path / "resident.yaml"
    path.write_text(text)
    return import_survey(path, is_public=True)


def test_the_survey_page_ranks_priorities_with_a_table_beside_the_chart(client, resident_survey):
    response = client.get("/surveys/demo-resident/")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-chart-spec="chart-spec-quadrant"' in body
    assert "<caption>Importance–satisfaction priorities, FY2026</caption>" in body
    # Street maintenance is the demo city's top priority, as in Kansas City.
    first_row = body.split("<tbody>")[1].split("</tr>")[0]
    assert "Maintenance of City streets" in first_row


def test_the_survey_page_shows_district_intervals_and_wave_changes(client, resident_survey):
    body = client.get("/surveys/demo-resident/").content.decode()
    assert "95% interval" in body
    assert "What changed from FY2025 to FY2026" in body


def test_an_internal_survey_is_not_found_by_the_public(client, resident_survey):
    Survey.objects.filter(pk=resident_survey.pk).update(is_public=False)
    assert client.get("/surveys/demo-resident/").status_code == 404


def test_the_list_links_each_public_resident_survey(client, resident_survey):
    body = client.get("/surveys/").content.decode()
    assert 'href="/surveys/demo-resident/"' in body


def test_export_then_import_round_trips_the_definition(resident_survey, tmp_path):
    exported = export_survey(resident_survey)
    path = tmp_path / "again.yaml"
    path.write_text(exported)
    again = import_survey(path)
    assert again.pk == resident_survey.pk
    assert again.definition == resident_survey.definition
