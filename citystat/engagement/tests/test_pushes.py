"""Data-triggered pushes (#21): a watched dataset's load drafts one update per place from
the diff with the version before it, reaches subscribers once, and refuses bad watches."""

from __future__ import annotations

import csv
import datetime as dt
import smtplib
from pathlib import Path
from typing import Any, cast

import pandas as pd
import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from citystat.accounts.testing import signed_in
from citystat.catalog import versions
from citystat.catalog.ingest import ingest
from citystat.catalog.models import Dataset
from citystat.catalog.versions import PlaceRows
from citystat.city.places import places
from citystat.demo.datasets import DEMOLITIONS_SCHEMA
from citystat.engagement import pushes, subscriptions
from citystat.engagement.models import Mailbox, Subscription, Update, Watch, WatchPush
from citystat.engagement.pushes import push_watched_rows
from citystat.engagement.sections import paused_subscribers
from citystat.engagement.subscriptions import BACKOFF, MAX_FAILURES, send_digest

FIELDS = [spec["name"] for spec in cast(list[dict[str, Any]], DEMOLITIONS_SCHEMA["fields"])]
CONFIRMED = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


def row(
    number: int, neighborhood: str | None, district: int | None, **extra: Any
) -> dict[str, Any]:
    values = {
        "demolition_id": number,
        "parcel_id": f"SECRET-PARCEL-{number}",
        "street_address": f"{number} Main St",
        "neighborhood": neighborhood,
        "council_district": district,
        "reason": "Vacant",
        "status": "planned",
        "planned_date": "2026-12-01",
    }
    values.update(extra)
    return values


def write(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        writer.writeheader()
        for values in rows:
            writer.writerow({k: "" if v is None else v for k, v in values.items()})
    return path


FIRST = [
    row(1, "Ivanhoe", 1),
    row(2, "Ivanhoe", 1),
    row(3, "Westport", 2),
    row(4, "Westport", 2, reason=None),
    row(5, None, None),
]
# 2 changes status, 4 keeps its empty reason (unchanged), 3 goes, 6-9 are new (9 names a
# neighborhood the city file does not have), 5 stays with no place.
SECOND = [
    row(1, "Ivanhoe", 1),
    row(2, "Ivanhoe", 1, status="completed", completed_date="2026-12-03"),
    row(4, "Westport", 2, reason=None),
    row(5, None, None),
    row(6, "Ivanhoe", 1),
    row(7, "Ivanhoe", 1, reason="Fire"),
    row(8, "Westport", 2),
    row(9, "Nowhere Heights", 2),
]


@pytest.fixture
def demolitions(city, tmp_path) -> Dataset:
    dataset = Dataset.objects.create(
        slug="demolitions", title="Demolitions", table_schema=DEMOLITIONS_SCHEMA, is_public=True
    )
    ingest(dataset, write(tmp_path / "first.csv", FIRST))
    return dataset


def watch_of(dataset: Dataset, **fields: Any) -> Watch:
    fields.setdefault("place_fields", ["neighborhood", "council_district"])
    fields.setdefault("show_fields", ["street_address", "reason", "status"])
    watch = Watch(dataset=dataset, **fields)
    watch.full_clean()
    watch.save()
    return watch


def subscribe(email: str, subject: str, key: str, delivery: str = "digest") -> Subscription:
    return Subscription.objects.create(
        email=email, subject=subject, subject_key=key, delivery=delivery, confirmed_at=CONFIRMED
    )


def pandas_counts(change: str, place: str) -> dict[str, int]:
    """The expected rows per place, worked out with pandas from the two lists."""

    def frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
        return pd.DataFrame(
            [{f: "" if r.get(f) is None else str(r[f]) for f in FIELDS} for r in rows]
        )

    old, new = frame(FIRST), frame(SECOND)
    merged = new.merge(old, how="left", on=list(new.columns), indicator=True)
    differing = merged[merged["_merge"] == "left_only"].drop(columns="_merge")
    known = differing["demolition_id"].isin(old["demolition_id"])
    chosen = {"new": differing[~known], "changed": differing[known], "both": differing}[change]
    chosen = chosen[chosen[place] != ""]
    return {str(k): int(v) for k, v in chosen[place].value_counts().items()}


@pytest.mark.parametrize("change", ["new", "changed", "both"])
@pytest.mark.parametrize("place", ["neighborhood", "council_district"])
def test_rows_per_place_match_an_independent_pandas_diff(demolitions, tmp_path, change, place):
    ingest(demolitions, write(tmp_path / "second.csv", SECOND))
    found = versions.rows_by_place(
        demolitions,
        1,
        2,
        change=change,
        place_fields=[place],
        show_fields=["street_address"],
    )
    assert {r.value: r.count for r in found} == pandas_counts(change, place)
    assert all(len(r.rows) == r.count for r in found)


def test_a_first_version_pushes_nothing(demolitions):
    assert (
        versions.rows_by_place(
            demolitions,
            None,
            1,
            change="new",
            place_fields=["neighborhood"],
            show_fields=["reason"],
        )
        == []
    )


def test_a_load_drafts_one_update_per_place_and_mails_immediate_subscribers(
    demolitions, tmp_path, django_capture_on_commit_callbacks
):
    watch_of(demolitions, rows=Watch.Rows.NEW, publish_automatically=True)
    subscribe("now@example.org", "neighborhood", "Ivanhoe", delivery="immediate")
    subscribe("daily@example.org", "neighborhood", "Westport")
    subscribe("district@example.org", "district", "1")
    mail.outbox.clear()
    # The immediate mail is a job that runs once the load has committed.
    with django_capture_on_commit_callbacks(execute=True):
        ingest(demolitions, write(tmp_path / "second.csv", SECOND))
    drafted = {
        (area.kind, area.name): update
        for update in Update.objects.prefetch_related("areas")
        for area in update.areas.all()
    }
    # Nowhere Heights is no place of the city file: its row is reported, not pushed.
    assert set(drafted) == {
        ("neighborhood", "Ivanhoe"),
        ("neighborhood", "Westport"),
        ("district", "1"),
        ("district", "2"),
    }
    ivanhoe = drafted[("neighborhood", "Ivanhoe")]
    assert ivanhoe.title == "Demolitions: 2 new rows in Ivanhoe"
    assert "6 Main St" in ivanhoe.body and "Fire" in ivanhoe.body
    assert "SECRET-PARCEL" not in ivanhoe.body
    assert ivanhoe.is_published
    assert ivanhoe.dataset_filter == [{"field": "neighborhood", "value": "Ivanhoe"}]
    # Only the immediate subscription was mailed during the load.
    assert [m.to for m in mail.outbox] == [["now@example.org"]]
    assert "Demolitions: 2 new rows in Ivanhoe" in mail.outbox[0].body
    report = demolitions.versions.get(number=2).report["after_publish"]
    assert "Nowhere Heights" in report[0]
    mail.outbox.clear()
    assert send_digest().messages == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["daily@example.org", "district@example.org"]


def test_pushes_are_idempotent_across_reruns_reloads_and_digests(
    demolitions, tmp_path, django_capture_on_commit_callbacks
):
    watch = watch_of(demolitions, rows=Watch.Rows.BOTH, publish_automatically=True)
    subscribe("now@example.org", "neighborhood", "Ivanhoe", delivery="immediate")
    subscribe("daily@example.org", "neighborhood", "Ivanhoe")
    second = write(tmp_path / "second.csv", SECOND)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        version = ingest(demolitions, second)
    updates = Update.objects.count()
    assert WatchPush.objects.filter(watch=watch).count() == updates == 4
    with django_capture_on_commit_callbacks(execute=True):
        # The hook run again for the same version drafts nothing more.
        push_watched_rows(version, demolitions.versions.get(number=1))
        # The same file loaded again is a version with no differences.
        ingest(demolitions, second)
    assert Update.objects.count() == updates
    assert [m.to for m in mail.outbox] == [["now@example.org"]]
    mail.outbox.clear()
    assert send_digest().messages == 1
    assert send_digest().messages == 0
    assert [m.to for m in mail.outbox] == [["daily@example.org"]]


def test_drafts_wait_for_staff_review(demolitions, tmp_path):
    watch_of(demolitions, rows=Watch.Rows.NEW, publish_automatically=False)
    subscribe("now@example.org", "neighborhood", "Ivanhoe", delivery="immediate")
    mail.outbox.clear()
    ingest(demolitions, write(tmp_path / "second.csv", SECOND))
    assert Update.objects.exists()
    assert not Update.objects.filter(published_at__isnull=False).exists()
    assert mail.outbox == []
    assert send_digest().messages == 0


def test_a_watch_naming_an_unknown_field_is_refused_naming_it(demolitions):
    with pytest.raises(ValidationError) as refused:
        watch_of(demolitions, place_fields=["neighbourhood_name"])
    assert "neighbourhood_name is not a field of demolitions" in str(refused.value)
    with pytest.raises(ValidationError) as refused:
        watch_of(demolitions, show_fields=["street_address", "parcel_id"])
    assert "parcel_id is withheld from the public" in str(refused.value)
    with pytest.raises(ValidationError) as refused:
        watch_of(demolitions, place_fields=["reason"])
    assert "reason does not say which kind of place" in str(refused.value)
    assert not Watch.objects.exists()


def test_changed_rows_need_a_primary_key(city):
    schema = {k: v for k, v in DEMOLITIONS_SCHEMA.items() if k != "primaryKey"}
    dataset = Dataset.objects.create(slug="no-key", title="No key", table_schema=schema)
    with pytest.raises(ValidationError) as refused:
        watch_of(dataset, rows=Watch.Rows.CHANGED)
    assert "no primaryKey" in str(refused.value)


def test_the_staff_form_refuses_an_unknown_field_and_keeps_the_text(mona, demolitions):
    client = signed_in(mona)
    form = {
        "dataset": demolitions.pk,
        "rows": "new",
        "place_fields": "neighborhood\nward_name",
        "show_fields": "street_address, reason",
        "publish_automatically": "on",
        "is_active": "on",
    }
    refused = client.post("/staff/watches/new/", form)
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "ward_name is not a field of demolitions" in page
    assert "neighborhood\nward_name" in page
    assert not Watch.objects.exists()
    form["place_fields"] = "neighborhood\ncouncil_district = district"
    assert client.post("/staff/watches/new/", form).status_code == 302
    watch = Watch.objects.get()
    assert watch.place_fields == ["neighborhood", "council_district"]
    assert watch.place_kinds == {"council_district": "district"}
    assert watch.show_fields == ["street_address", "reason"]


def test_a_bouncing_address_is_retried_with_back_off_then_paused(
    mona, city, monkeypatch, time_machine
):
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    update = Update.objects.create(title="News", slug="news", body="b", published_at=start)
    update.areas.create(kind="neighborhood", name="Ivanhoe")
    subscribe("gone@example.org", "neighborhood", "Ivanhoe")
    subscribe("fine@example.org", "neighborhood", "Ivanhoe")
    sends: list[str] = []

    def refuse_one(email: str, items: list) -> None:
        sends.append(email)
        if email == "gone@example.org":
            raise smtplib.SMTPRecipientsRefused({email: (550, b"no such user")})
        mail.send_mail("ok", "ok", None, [email])

    monkeypatch.setattr(subscriptions, "send_digest_message", refuse_one)
    report = send_digest(start)
    assert report.failed == ["gone@example.org"] and report.messages == 1
    # The failed send left no ledger row: the item is still owed to that address.
    assert subscriptions.SentItem.objects.filter(email="gone@example.org").count() == 0
    now, wait = start, BACKOFF
    for failure in range(2, MAX_FAILURES + 1):
        sends.clear()
        assert send_digest(now + wait - dt.timedelta(seconds=1)).messages == 0
        assert sends == []  # still waiting
        now += wait
        report = send_digest(now)
        assert sends == ["gone@example.org"]
        assert Mailbox.objects.get().failures == failure
        wait *= 2
    assert report.paused == ["gone@example.org"]
    mailbox = Mailbox.objects.get()
    assert mailbox.paused_at is not None
    sends.clear()
    send_digest(now + dt.timedelta(days=30))
    assert sends == []
    # Staff see it in the workspace and on the bounces page, and may resume it.
    assert [item.label for item in paused_subscribers(mona)] == ["gone@example.org"]
    client = signed_in(mona)
    assert "550" in client.get("/staff/subscribers/bouncing/").content.decode()
    client.post("/staff/subscribers/bouncing/", {"email": "gone@example.org"})
    assert Mailbox.objects.get().paused_at is None
    assert paused_subscribers(mona) == []


def test_the_digest_command_can_send_only_immediate_subscriptions(city, capsys):
    update = Update.objects.create(title="News", slug="news", body="b", published_at=timezone.now())
    update.areas.create(kind="neighborhood", name="Ivanhoe")
    subscribe("now@example.org", "neighborhood", "Ivanhoe", delivery="immediate")
    subscribe("daily@example.org", "neighborhood", "Ivanhoe")
    mail.outbox.clear()
    call_command("digest", "--immediate")
    assert [m.to for m in mail.outbox] == [["now@example.org"]]
    call_command("digest")
    assert [m.to for m in mail.outbox] == [["now@example.org"], ["daily@example.org"]]
    assert "Sent 1 digest(s)" in capsys.readouterr().out


def test_the_command_declares_a_watch_and_refuses_an_unknown_column(demolitions, capsys):
    with pytest.raises(CommandError) as refused:
        call_command(
            "engagement", "watch", "demolitions", "--by", "nbhd", "--show", "street_address"
        )
    assert "nbhd is not a field of demolitions" in str(refused.value)
    assert not Watch.objects.exists()
    call_command(
        "engagement",
        "watch",
        "demolitions",
        "--by",
        "neighborhood",
        "--by",
        "council_district=district",
        "--show",
        "street_address, reason",
        "--publish",
    )
    watch = Watch.objects.get()
    assert (watch.place_fields, watch.place_kinds) == (
        ["neighborhood", "council_district"],
        {"council_district": "district"},
    )
    assert watch.publish_automatically
    assert "Created the watch on demolitions" in capsys.readouterr().out
    call_command("engagement", "watch", "demolitions", "--by", "neighborhood", "--show", "reason")
    assert Watch.objects.get().show_fields == ["reason"]


def test_rows_naming_one_place_by_name_and_by_id_make_one_update(demolitions, monkeypatch):
    ivanhoe = next(p for p in places("neighborhood") if p.name == "Ivanhoe")
    found = [
        PlaceRows("neighborhood", "Ivanhoe", 2, [{"street_address": "1 Main St"}]),
        PlaceRows("neighborhood", "17", 3, [{"street_address": "2 Main St"}]),
    ]
    monkeypatch.setattr(pushes, "rows_by_place", lambda *args, **kwargs: found)
    monkeypatch.setattr(pushes, "place_lookup", lambda kind: {"Ivanhoe": ivanhoe, "17": ivanhoe})
    watch = watch_of(demolitions, place_fields=["neighborhood"], show_fields=["street_address"])
    report = pushes.push(watch, demolitions.versions.get(), 0)
    assert len(report.drafted) == 1
    assert report.drafted[0].title == "Demolitions: 5 new rows in Ivanhoe"
    assert "1 Main St" in report.drafted[0].body and "2 Main St" in report.drafted[0].body
