"""The audit chain is signed with a key kept outside the database and anchored outside it.

Each test plays someone who can write to the app database but cannot read the key: they
edit, re-hash, re-chain, cut off or delete entries, and `citystat audit verify` must say so.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import socket
import stat

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from citystat.accounts.audit import (
    GENESIS_HASH,
    anchor_head,
    canonical,
    entry_payload,
    record,
    upgrade_chain,
    verify_chain,
)
from citystat.accounts.audit_anchors import last_anchor
from citystat.accounts.audit_keys import AuditKeyError, audit_key
from citystat.accounts.models import AuditChainHead, AuditEntry
from citystat.accounts.tests.test_audit import as_database_owner
from citystat.city.models import Department


def some_entries(count: int = 4) -> list[AuditEntry]:
    for number in range(count):
        Department.objects.create(code=f"d{number}", name=f"Department {number}")
    return list(AuditEntry.objects.order_by("sequence"))


def rechain(sign, start: int = 1) -> None:
    """Recompute every hash from entry #`start` on with `sign`, and move the head to match."""
    entries = list(AuditEntry.objects.order_by("sequence"))
    previous = GENESIS_HASH
    with connection.cursor() as cursor:
        as_database_owner(cursor)
        for entry in entries:
            if entry.sequence >= start:
                entry.previous_hash = previous
                entry.hash = sign(previous + canonical(entry_payload(entry)))
                cursor.execute(
                    "UPDATE accounts_auditentry SET previous_hash = %s, hash = %s WHERE id = %s",
                    [entry.previous_hash, entry.hash, entry.pk],
                )
            previous = entry.hash
    last = entries[-1]
    AuditChainHead.objects.filter(pk=1).update(last_sequence=last.sequence, last_hash=last.hash)


def plain_sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def edit(entry: AuditEntry, **columns: str) -> None:
    assignments = ", ".join(f"{name} = %s" for name in columns)
    with connection.cursor() as cursor:
        as_database_owner(cursor)
        cursor.execute(
            f"UPDATE accounts_auditentry SET {assignments} WHERE id = %s",
            [*columns.values(), entry.pk],
        )


def delete(*entries: AuditEntry) -> None:
    with connection.cursor() as cursor:
        as_database_owner(cursor)
        for entry in entries:
            cursor.execute("DELETE FROM accounts_auditentry WHERE id = %s", [entry.pk])


def test_an_edited_entry_re_hashed_with_plain_sha256_is_detected(db):
    target = some_entries()[-3]
    edit(target, username="nobody")
    rechain(plain_sha256, start=target.sequence)
    problems = verify_chain().problems
    assert problems[0] == (
        f"entry #{target.sequence} carries a plain SHA-256 after keyed entries: it was "
        "changed and re-hashed by someone without the audit key"
    )


def test_a_whole_log_re_hashed_with_plain_sha256_does_not_verify(db):
    some_entries()
    anchor_head()
    edit(AuditEntry.objects.order_by("sequence").first(), username="nobody")
    rechain(plain_sha256)
    problems = verify_chain().problems
    assert "the log was rewritten" in problems[-1]
    assert not verify_chain().intact


def test_a_log_re_chained_under_another_key_is_detected(db):
    target = some_entries()[-2]
    edit(target, object_repr="Department 9")
    forged_key = b"a key the attacker made up, 32+ characters long"
    rechain(lambda text: hmac.new(forged_key, text.encode(), hashlib.sha256).hexdigest())
    report = verify_chain()
    assert not report.intact
    assert "no entry verifies with the audit key in use" in report.problems[0]


def test_cutting_off_the_newest_entries_and_resetting_the_head_is_detected(db):
    entries = some_entries()
    anchor_head()
    kept = entries[-3]
    delete(*entries[-2:])
    AuditChainHead.objects.filter(pk=1).update(last_sequence=kept.sequence, last_hash=kept.hash)
    problems = verify_chain().problems
    assert problems == [
        f"entry #{entries[-1].sequence} was anchored at {read_anchor_time()} but the log ends "
        f"at #{kept.sequence}: the newest entries were removed"
    ]


def read_anchor_time() -> str:
    anchor = last_anchor()
    assert anchor is not None
    return anchor.at


def test_an_entry_deleted_from_the_middle_and_the_rest_re_chained_is_detected(db):
    entries = some_entries()
    middle = entries[-3]
    delete(middle)
    rechain(plain_sha256, start=middle.sequence + 1)
    problems = verify_chain().problems
    assert f"entries #{middle.sequence}–#{middle.sequence} are missing" in problems
    assert any("re-hashed by someone without the audit key" in problem for problem in problems)


def test_an_anchored_entry_rewritten_is_detected_even_when_the_chain_checks_out(db, settings):
    # The attacker holds a copy of an old key: the chain verifies, the anchors do not.
    entries = some_entries()
    anchor_head()
    edit(entries[-1], username="nobody")
    key = audit_key()
    rechain(lambda text: hmac.new(key, text.encode(), hashlib.sha256).hexdigest())
    problems = verify_chain().problems
    assert problems == [
        f"entry #{entries[-1].sequence} is not the entry anchored at {read_anchor_time()}: "
        "the log was rewritten"
    ]


def test_verifying_with_the_wrong_key_says_the_key_is_wrong(db, settings):
    some_entries(2)
    anchor_head()
    settings.CITYSTAT_AUDIT_KEY = "not the key this log was written with, at all"
    problems = verify_chain().problems
    assert "no entry verifies with the audit key in use" in problems[0]
    assert "were written with audit key" in problems[1]


def test_citystat_audit_verify_exits_non_zero_on_a_re_hashed_log(db):
    target = some_entries()[-2]
    edit(target, username="nobody")
    rechain(plain_sha256)
    with pytest.raises(CommandError, match="tampered"):
        call_command("audit", "verify", stdout=io.StringIO(), stderr=io.StringIO())


@pytest.fixture
def empty_log(db):
    """No entries at all, not even those `migrate` wrote into the test database."""
    with connection.cursor() as cursor:
        as_database_owner(cursor)
        cursor.execute("DELETE FROM accounts_auditentry")
    AuditChainHead.objects.all().delete()


@pytest.fixture
def key_in_home(settings, tmp_path):
    settings.CITYSTAT_AUDIT_KEY = ""
    settings.CITYSTAT_HOME = tmp_path / "home"
    return settings.CITYSTAT_HOME / "audit.key"


def test_without_a_key_setting_a_private_key_file_is_made_on_first_use(empty_log, key_in_home):
    record(AuditEntry.Action.UPDATE, username="someone", object_repr="first")
    assert stat.S_IMODE(key_in_home.stat().st_mode) == 0o600
    assert len(key_in_home.read_text().strip()) == 64
    assert verify_chain().intact


def test_a_key_file_others_can_read_is_refused(db, key_in_home):
    audit_key()
    os.chmod(key_in_home, 0o644)
    count = AuditEntry.objects.count()
    with pytest.raises(AuditKeyError, match=r"can be read by group or others \(mode 0644\)"):
        record(AuditEntry.Action.UPDATE, username="someone", object_repr="refused")
    assert AuditEntry.objects.count() == count
    assert "chmod 600" in verify_chain().problems[0]


def test_a_change_the_log_cannot_sign_is_not_made(db, key_in_home):
    audit_key()
    os.chmod(key_in_home, 0o640)
    with pytest.raises(AuditKeyError):
        Department.objects.create(code="parks", name="Parks")
    assert not Department.objects.filter(code="parks").exists()


def test_verify_does_not_make_a_new_key_when_the_key_file_is_gone(db, settings, tmp_path):
    some_entries(1)
    settings.CITYSTAT_AUDIT_KEY = ""
    settings.CITYSTAT_HOME = tmp_path / "home"
    key_in_home = tmp_path / "home" / "audit.key"
    problems = verify_chain().problems
    assert "there is no audit key" in problems[0]
    assert not key_in_home.exists()


def test_the_head_is_anchored_every_n_entries_after_the_commit(
    db, settings, django_capture_on_commit_callbacks
):
    settings.CITYSTAT_AUDIT_ANCHOR_EVERY = 2
    before = AuditEntry.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        entries = some_entries(4)[before:]
    with open(settings.CITYSTAT_AUDIT_ANCHORS) as anchors:
        lines = [json.loads(line) for line in anchors]
    assert [line["sequence"] for line in lines] == [
        entry.sequence for entry in entries if entry.sequence % 2 == 0
    ]
    assert all(
        line["hash"] == AuditEntry.objects.get(sequence=line["sequence"]).hash for line in lines
    )


def test_audit_anchor_writes_the_head_once(db, settings):
    some_entries(2)
    call_command("audit", "anchor", stdout=io.StringIO())
    call_command("audit", "anchor", stdout=io.StringIO())
    with open(settings.CITYSTAT_AUDIT_ANCHORS) as anchors:
        assert len(anchors.readlines()) == 1


def test_anchors_also_go_to_syslog_when_configured(db, settings):
    listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    listener.bind(("127.0.0.1", 0))
    listener.settimeout(5)
    settings.CITYSTAT_AUDIT_SYSLOG = f"127.0.0.1:{listener.getsockname()[1]}"
    entry = some_entries(1)[-1]
    anchor_head()
    message = listener.recv(4096).decode()
    listener.close()
    assert f"citystat audit anchor #{entry.sequence} {entry.hash}" in message


def write_plain_entries(count: int) -> None:
    """Append entries the way citystat did before the audit key: plain SHA-256."""
    head, _ = AuditChainHead.objects.get_or_create(pk=1)
    for _ in range(count):
        entry = AuditEntry(
            sequence=head.last_sequence + 1,
            at=timezone.now(),
            action="update",
            username="before the key",
            previous_hash=head.last_hash,
        )
        entry.hash = plain_sha256(entry.previous_hash + canonical(entry_payload(entry)))
        entry.save()
        head.last_sequence, head.last_hash = entry.sequence, entry.hash
        head.save()


@pytest.fixture
def old_log(empty_log):
    """A log written by citystat before the key."""
    write_plain_entries(3)


def test_a_log_from_before_the_key_asks_to_be_upgraded(old_log):
    report = verify_chain()
    assert report.problems == [
        "entries #1–#3 carry only the old unkeyed SHA-256 chain, which anyone who can write "
        "to the database could recompute; run `citystat audit upgrade` once to seal them "
        "under the audit key"
    ]


def test_upgrade_seals_the_old_entries_and_anchors_the_head(old_log, settings):
    out = io.StringIO()
    call_command("audit", "upgrade", stdout=out)
    assert "sealed 3 entries" in out.getvalue()
    report = verify_chain()
    assert report.intact, report.problems
    assert "entries #1–#3 are from before the audit key; the keyed entry after them seals them" in (
        report.notes
    )
    assert os.path.exists(settings.CITYSTAT_AUDIT_ANCHORS)


def test_an_old_entry_edited_and_re_hashed_after_the_upgrade_is_detected(old_log):
    upgrade_chain()
    edit(AuditEntry.objects.get(sequence=2), username="nobody")
    rechain(plain_sha256)
    problems = verify_chain().problems
    assert any("#4" in problem for problem in problems), problems


def test_upgrade_refuses_a_broken_old_chain_and_writes_nothing(old_log):
    edit(AuditEntry.objects.get(sequence=2), username="nobody")
    with pytest.raises(CommandError, match="was not upgraded.*entry #2 was changed"):
        call_command("audit", "upgrade", stdout=io.StringIO())
    assert AuditEntry.objects.count() == 3


def test_a_site_upgrading_without_any_key_yet_is_asked_to_upgrade_and_gets_a_key(
    old_log, key_in_home
):
    assert "run `citystat audit upgrade`" in verify_chain().problems[0]
    assert not key_in_home.exists()
    call_command("audit", "upgrade", stdout=io.StringIO())
    assert stat.S_IMODE(key_in_home.stat().st_mode) == 0o600
    assert verify_chain().intact


def test_each_citystat_refresh_run_anchors_the_head(db, settings):
    before = some_entries(1)[-1]
    call_command("refresh", stdout=io.StringIO())
    with open(settings.CITYSTAT_AUDIT_ANCHORS) as anchors:
        anchor = json.loads(anchors.readlines()[-1])
    # The run's own job record is written as it ends, after the anchor.
    assert anchor["sequence"] > before.sequence
    assert AuditEntry.objects.get(sequence=anchor["sequence"]).hash == anchor["hash"]
