import pytest
from django.contrib.auth.models import User

from citystat.accounts.models import StaffProfile
from citystat.accounts.permissions import Role
from citystat.accounts.roles import grant_role, sync_roles
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


@pytest.fixture
def employee_survey(db, demo_survey_files):
    definition = shipped_definition("demo-employee")
    load_survey_file(definition, demo_survey_files["employee"])
    return import_survey(DEFINITIONS_FOLDER / "demo-employee.yaml", is_public=False)


def test_the_employee_survey_is_for_staff_only(client, employee_survey):
    response = client.get("/staff/surveys/demo-employee/")
    assert response.status_code == 302 and "/staff/login/" in response["Location"]
    assert client.get("/surveys/demo-employee/").status_code == 404


def staff_member(role):
    sync_roles()
    user = User.objects.create_user(f"person-{role}", "person@example.gov", "x" * 20)
    StaffProfile.objects.create(user=user)
    if role:
        grant_role(user, role)
    return user


def test_performance_staff_see_engagement_with_small_departments_suppressed(
    client, employee_survey
):
    client.force_login(staff_member(Role.PERFORMANCE_STAFF))
    body = client.get("/staff/surveys/demo-employee/").content.decode()
    assert "Employees engaged, by department and survey year" in body
    assert "Public Works" in body


def test_a_person_without_a_role_is_refused(client, employee_survey):
    client.force_login(staff_member(None))
    assert client.get("/staff/surveys/demo-employee/").status_code == 403
