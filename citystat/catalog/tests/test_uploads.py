"""Uploaded files are kept only while a kept version needs them (#16, Medium 9)."""

from __future__ import annotations

import os
import time

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile

from citystat.catalog.ingest import IngestError, ingest
from citystat.catalog.models import DatasetVersion
from citystat.catalog.uploads import prune_uploads, save_upload, upload_folder

GOOD = b"id,opened,score\n1,01/07/2020,3\n2,01/08/2020,4\n"


def upload(name: str, content: bytes = GOOD):
    return save_upload("scores", SimpleUploadedFile(name, content))


def test_a_failed_uploads_file_is_deleted_and_the_published_one_kept(scores):
    good = upload("good.csv")
    ingest(scores, good)
    bad = upload("bad.csv", b"id,opened,score\n1,someday,3\n")
    with pytest.raises(IngestError):
        ingest(scores, bad)
    assert good.is_file() and not bad.exists()
    assert scores.versions.get(number=2).status == DatasetVersion.Status.FAILED


def test_uploads_go_with_the_versions_the_keep_limit_prunes(scores, settings):
    settings.CITYSTAT_KEEP_VERSIONS = 2
    paths = [upload(f"load-{number}.csv") for number in range(1, 4)]
    for path in paths:
        ingest(scores, path)
    assert [path.exists() for path in paths] == [False, True, True]
    assert scores.versions.get(number=1).status == DatasetVersion.Status.REMOVED


def test_an_upload_no_version_names_goes_only_after_the_grace_period(scores):
    fresh, stale = upload("waiting.csv"), upload("abandoned.csv")
    hours_ago = time.time() - 2 * 3600
    os.utime(stale, (hours_ago, hours_ago))
    assert prune_uploads(scores) == [stale]
    assert fresh.is_file()


def test_the_datasets_refresh_source_is_kept_even_after_its_version_is_pruned(scores, settings):
    settings.CITYSTAT_KEEP_VERSIONS = 2
    source = upload("source.csv")
    scores.source = str(source)
    scores.save()
    for _load in range(3):
        ingest(scores, source, mode="upsert")
    scores.refresh_from_db()
    assert scores.source == str(source) and source.is_file()


def test_a_sample_that_drafted_a_schema_is_not_kept(client, db):
    user = User.objects.create_user("dana", password="a long enough password")
    user.user_permissions.set(
        Permission.objects.filter(codename__in=["add_dataset", "change_dataset", "view_dataset"])
    )
    client.force_login(user)
    sample = SimpleUploadedFile("sample.csv", GOOD)
    response = client.post(
        "/staff/datasets/new/", {"slug": "potholes", "title": "P", "sample": sample}
    )
    assert response.status_code == 302
    assert list(upload_folder("potholes").iterdir()) == []


def test_every_file_of_a_published_several_file_version_is_kept_and_of_a_failed_one_deleted(
    scores,
):
    first = upload("a.csv")
    second = upload("a.csv", b"id,opened,score\n3,01/09/2020,5\n")
    assert first != second  # two files of one name in one second keep both
    ingest(scores, [first, second])
    hours_ago = time.time() - 2 * 3600
    for path in (first, second):
        os.utime(path, (hours_ago, hours_ago))
    assert prune_uploads(scores) == []
    bad = [upload("c.csv"), upload("d.csv", b"id,opened,score\n9,someday,1\n")]
    with pytest.raises(IngestError):
        ingest(scores, bad)
    assert first.is_file() and second.is_file()
    assert not any(path.exists() for path in bad)
