"""The public dataset pages and the staff pages, through Django's test client."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile

from citystat.catalog.ingest import ingest
from citystat.catalog.models import Dataset
from citystat.catalog.refresh import refresh_due

from .conftest import FIXTURES


@pytest.fixture
def loaded(requests_dataset):
    ingest(requests_dataset, FIXTURES / "kc311_sample.csv")
    return requests_dataset


@pytest.fixture
def internal(db):
    return Dataset.objects.create(
        slug="employee-survey", title="Employee survey", table_schema={"fields": [{"name": "a"}]}
    )


def staff_user(*codenames: str) -> User:
    user = User.objects.create_user("dana", password="a long enough password")
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


def test_the_list_shows_public_datasets_with_rows_and_last_update(client, loaded, internal):
    page = client.get("/datasets/").content.decode()
    assert '<a href="/datasets/service-requests/">311 service requests</a>' in page
    assert "200 rows" in page
    assert "Employee survey" not in page


def test_tags_are_the_citys_data_marked_in_its_language_on_a_spanish_page(client, loaded, settings):
    # The city writes its tags (no fixed vocabulary the site could translate): a Spanish
    # page shows them as written and tells screen readers their language.
    loaded.tags = ["potholes", "streets"]
    loaded.save()
    for path in ("/datasets/", "/datasets/service-requests/"):
        page = client.get(path, HTTP_ACCEPT_LANGUAGE="es").content.decode()
        assert '<html lang="es"' in page
        for tag in loaded.tags:
            marked = re.search(
                rf'<(li|a|option)[^>]*lang="{settings.LANGUAGE_CODE}"[^>]*>(<a[^>]*>)?{tag}<', page
            )
            assert marked, (path, tag)


def test_the_data_menu_links_to_the_list(client, loaded):
    assert 'href="/datasets/"' in client.get("/").content.decode()


def test_a_dataset_page_has_its_dictionary_and_newest_rows_without_withheld_fields(client, loaded):
    page = client.get("/datasets/service-requests/").content.decode()
    assert "Data dictionary" in page and "<code>case_id</code>" in page
    assert "Withheld to protect privacy" in page
    # Newest first: 25 February 2020's request, not the file's first (7 January).
    assert "2020028485" in page and "2020002530" not in page
    assert "4900 E 63rd St" not in page  # street_address is withheld


def test_an_internal_dataset_is_not_found_for_the_public(client, internal):
    assert client.get("/datasets/employee-survey/").status_code == 404


def test_a_stale_dataset_is_flagged(client, loaded):
    version = loaded.latest_version
    version.finished_at = version.finished_at.replace(year=2020)
    version.save()
    assert "Out of date" in client.get("/datasets/service-requests/").content.decode()
    assert "Out of date" in client.get("/datasets/").content.decode()


def test_the_pages_have_no_inline_script_or_style(client, loaded):
    for url in ("/datasets/", "/datasets/service-requests/"):
        page = client.get(url).content.decode()
        assert "<script>" not in page and "style=" not in page and "<style" not in page


def test_staff_pages_need_a_sign_in(client, loaded):
    response = client.get("/staff/datasets/")
    assert response.status_code == 302 and "/staff/login/" in response["Location"]


def test_staff_pages_need_the_model_permission(client, loaded):
    client.force_login(staff_user())
    assert client.get("/staff/datasets/").status_code == 403
    assert client.post("/staff/datasets/service-requests/load-now/").status_code == 403


def test_staff_see_versions_and_load_reports(client, loaded):
    client.force_login(staff_user("view_dataset"))
    page = client.get("/staff/datasets/service-requests/").content.decode()
    assert "v1" in page and "200 rows read, 0 rejected, 200 published" in page
    assert "Load now" not in page  # viewing is not changing


def test_a_bad_upload_shows_the_report_and_keeps_the_other_fields(client, loaded):
    client.force_login(staff_user("view_dataset", "change_dataset"))
    bad = SimpleUploadedFile("bad.csv", b"CASE ID,DEPARTMENT,CREATION DATE\n1,Parks,someday\n")
    response = client.post(
        "/staff/datasets/service-requests/upload/",
        {"file": bad, "mode": "append", "max_rejects": "0", "column_map": "x=CASE ID"},
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert "the published data is unchanged" in page
    assert "<td>2</td><td>created_date</td><td>someday</td>" in page
    assert '<option value="append" selected>' in page
    assert "x=CASE ID</textarea>" in page
    assert loaded.latest_version.number == 1


def test_a_good_upload_publishes_a_new_version(client, loaded):
    client.force_login(staff_user("view_dataset", "change_dataset"))
    good = SimpleUploadedFile("kc.csv", (FIXTURES / "kc311_sample.csv").read_bytes())
    response = client.post(
        "/staff/datasets/service-requests/upload/",
        {"file": good, "mode": "replace", "max_rejects": "0", "column_map": ""},
    )
    assert response.status_code == 302
    assert loaded.latest_version.number == 2
    assert loaded.latest_version.started_by == "upload by dana"


def test_load_now_queues_the_dataset_for_the_refresh_worker(client, loaded, settings):
    settings.CITYSTAT_SOURCE_FOLDERS = [str(FIXTURES)]
    client.force_login(staff_user("view_dataset", "change_dataset"))
    response = client.post("/staff/datasets/service-requests/load-now/", follow=True)
    assert "Queued" in response.content.decode()
    [result] = refresh_due()
    assert result.ok and loaded.latest_version.number == 2


def test_staff_can_publish_an_older_version_again(client, loaded):
    ingest(loaded, FIXTURES / "kc311_sample.csv")
    client.force_login(staff_user("view_dataset", "change_dataset"))
    response = client.post("/staff/datasets/service-requests/versions/1/publish/", follow=True)
    assert "Version 1 is published again." in response.content.decode()
    assert loaded.latest_version.number == 1


def test_a_new_dataset_gets_a_schema_drafted_from_its_sample(client, db):
    client.force_login(staff_user("add_dataset", "change_dataset", "view_dataset"))
    sample = SimpleUploadedFile("kc.csv", (FIXTURES / "kc311_sample.csv").read_bytes())
    response = client.post(
        "/staff/datasets/new/", {"slug": "potholes", "title": "Potholes", "sample": sample}
    )
    assert response.status_code == 302 and response["Location"] == "/staff/datasets/potholes/edit/"
    dataset = Dataset.objects.get(slug="potholes")
    # Headers match fields without a map, except one no field name can spell.
    assert dataset.column_map == {"c_30_60_90_days_open_window": "30-60-90 Days Open Window"}
    page = client.get("/staff/datasets/potholes/edit/").content.decode()
    assert "creation_date" in page


def test_editing_refuses_a_broken_schema_and_keeps_what_was_typed(client, loaded):
    client.force_login(staff_user("change_dataset", "view_dataset"))
    response = client.post(
        "/staff/datasets/service-requests/edit/",
        {
            "title": "Renamed",
            "update_frequency": "daily",
            "tags": "[]",
            "table_schema": '{"fields": [{"name": "a", "type": "money"}]}',
            "column_map": "{}",
            "ignored_columns": "[]",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "field &#x27;a&#x27; has type &#x27;money&#x27;" in page
    assert 'value="Renamed"' in page
    assert Dataset.objects.get(slug="service-requests").title == "311 service requests"


def test_editing_saves_a_schedule(client, loaded):
    client.force_login(staff_user("change_dataset", "view_dataset"))
    form = {
        "title": "311 service requests",
        "update_frequency": "daily",
        "tags": "[]",
        "table_schema": json.dumps(loaded.table_schema),
        "column_map": json.dumps(loaded.column_map),
        "ignored_columns": json.dumps(loaded.ignored_columns),
        "refresh_schedule": "15 3 * * *",
        "source": "socrata://data.kcmo.org/7at3-sxhp",
    }
    assert client.post("/staff/datasets/service-requests/edit/", form).status_code == 302
    assert Dataset.objects.get(slug="service-requests").refresh_schedule == "15 3 * * *"
