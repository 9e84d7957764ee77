"""The audit log records every change and sign-in, and tampering with it shows."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test import Client

from citystat.accounts.audit import verify_chain
from citystat.accounts.models import AuditEntry
from citystat.accounts.roles import grant_role
from citystat.accounts.testing import PASSWORD, signed_in
from citystat.city.models import Department


def latest(**filters) -> AuditEntry:
    entry = AuditEntry.objects.filter(**filters).order_by("-sequence").first()
    assert entry is not None
    return entry


def test_a_create_is_recorded_with_its_values(db):
    parks = Department.objects.create(code="parks", name="Parks")
    entry = latest(object_type="city.department")
    assert entry.action == "create"
    assert entry.object_id == str(parks.pk)
    assert entry.changes["name"] == [None, "Parks"]


def test_an_update_records_before_and_after_of_the_changed_fields_only(db):
    parks = Department.objects.create(code="parks", name="Parks")
    parks.name = "Parks and Recreation"
    parks.save()
    entry = latest(object_type="city.department")
    assert entry.action == "update"
    assert entry.changes == {"name": ["Parks", "Parks and Recreation"]}


def test_a_save_that_changes_nothing_is_not_recorded(db):
    parks = Department.objects.create(code="parks", name="Parks")
    count = AuditEntry.objects.count()
    parks.save()
    assert AuditEntry.objects.count() == count


def test_a_delete_records_what_was_deleted(db):
    parks = Department.objects.create(code="parks", name="Parks")
    parks.delete()
    entry = latest(object_type="city.department")
    assert entry.action == "delete"
    assert entry.changes["name"] == ["Parks", None]


def test_a_change_through_the_site_names_the_person_and_their_ip(alice):
    client = signed_in(alice, REMOTE_ADDR="203.0.113.7")
    client.post("/staff/invitations/", {"email": "new@example.gov", "roles": ["moderator"]})
    entry = latest(object_type="accounts.invitation")
    assert (entry.action, entry.username, entry.user_id, entry.ip) == (
        "create",
        "alice",
        alice.pk,
        "203.0.113.7",
    )


def test_a_new_role_is_recorded_on_the_user(carol):
    grant_role(carol, "administrator")
    entry = latest(object_type="auth.user")
    assert entry.changes == {"groups": {"added": ["administrator"]}}


def test_a_member_added_from_the_group_side_is_recorded(carol):
    Group.objects.get(name="moderator").user_set.add(carol)
    entry = latest(object_type="auth.group")
    assert entry.changes == {"user_set": {"added": ["carol"]}}


def test_a_profiles_departments_are_recorded(bob, departments):
    bob.staff_profile.departments.add(departments["public-works"])
    entry = latest(object_type="accounts.staffprofile")
    assert entry.changes == {"departments": {"added": ["Public Works"]}}


def test_password_hashes_never_reach_the_log(carol):
    carol.set_password("another long passphrase")
    carol.save()
    entry = latest(object_type="auth.user")
    assert entry.changes["password"] == ["[secret]", "[secret]"]
    assert "pbkdf2" not in str(entry.changes) and "md5" not in str(entry.changes)


def test_a_sign_in_is_recorded(carol):
    Client(REMOTE_ADDR="198.51.100.4").post(
        "/staff/login/", {"username": "carol", "password": PASSWORD}
    )
    entry = latest(action="sign-in")
    assert (entry.username, entry.ip) == ("carol", "198.51.100.4")


def test_a_failed_sign_in_is_recorded_without_the_password(carol):
    Client().post("/staff/login/", {"username": "carol", "password": "guess-guess-guess"})
    entry = latest(action="sign-in-failed")
    assert entry.username == "carol"
    assert "guess" not in str(entry.changes)


def test_a_sign_out_is_recorded(alice):
    signed_in(alice).post("/staff/logout/")
    assert latest(action="sign-out").username == "alice"


def test_the_chain_of_a_busy_log_verifies(db):
    for number in range(5):
        Department.objects.create(code=f"d{number}", name=f"Department {number}")
    report = verify_chain()
    assert report.intact
    assert report.entries == AuditEntry.objects.count()


def as_database_owner(cursor) -> None:
    """Switch off the PostgreSQL append-only trigger, as an attacker owning the table could."""
    if connection.vendor == "postgresql":
        cursor.execute("ALTER TABLE accounts_auditentry DISABLE TRIGGER USER")


def test_the_database_itself_refuses_an_update_on_postgresql(db):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no trigger: the hash chain is the guard there")
    Department.objects.create(code="parks", name="Parks")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE accounts_auditentry SET username = 'nobody'")


def test_editing_an_entry_in_the_database_is_detected(db):
    Department.objects.create(code="parks", name="Parks")
    Department.objects.create(code="fire", name="Fire")
    target = latest(object_type="city.department", action="create")
    with connection.cursor() as cursor:
        as_database_owner(cursor)
        cursor.execute(
            "UPDATE accounts_auditentry SET username = %s WHERE id = %s", ["nobody", target.pk]
        )
    assert verify_chain().problems == [f"entry #{target.sequence} was changed after it was written"]


def test_removing_an_entry_from_the_middle_is_detected(db):
    for code in ("parks", "fire", "police"):
        Department.objects.create(code=code, name=code.title())
    middle = AuditEntry.objects.order_by("sequence")[1]
    with connection.cursor() as cursor:
        as_database_owner(cursor)
        cursor.execute("DELETE FROM accounts_auditentry WHERE id = %s", [middle.pk])
    problems = verify_chain().problems
    assert f"entries #{middle.sequence}–#{middle.sequence} are missing" in problems


def test_cutting_off_the_newest_entries_is_detected(db):
    for code in ("parks", "fire"):
        Department.objects.create(code=code, name=code.title())
    newest = latest()
    with connection.cursor() as cursor:
        as_database_owner(cursor)
        cursor.execute("DELETE FROM accounts_auditentry WHERE id = %s", [newest.pk])
    assert "the newest were removed" in verify_chain().problems[0]


def test_citystat_audit_verify_fails_on_a_tampered_log(db):
    Department.objects.create(code="parks", name="Parks")
    with connection.cursor() as cursor:
        as_database_owner(cursor)
        cursor.execute("UPDATE accounts_auditentry SET object_repr = 'Fire'")
    with pytest.raises(CommandError, match="tampered"):
        call_command("audit", "verify", stderr=io.StringIO())


def test_citystat_audit_verify_passes_an_intact_log(db):
    Department.objects.create(code="parks", name="Parks")
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    assert "intact" in out.getvalue()


def test_entries_refuse_to_be_changed_or_deleted_through_the_orm(db):
    Department.objects.create(code="parks", name="Parks")
    entry = latest()
    entry.username = "nobody"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.update(username="nobody")


def test_administrators_download_the_log_as_csv(dana):
    Department.objects.create(code="parks", name="=HYPERLINK(evil)")
    response = signed_in(dana).get("/staff/audit.csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert response["Content-Type"].startswith("text/csv")
    assert any(row["object_repr"] == "'=HYPERLINK(evil)" for row in rows)
    assert [int(row["sequence"]) for row in rows] == sorted(int(row["sequence"]) for row in rows)


def test_administrators_search_the_log(dana):
    Department.objects.create(code="parks", name="Parks")
    Department.objects.create(code="fire", name="Fire")
    response = signed_in(dana).get("/staff/audit/", {"q": "Parks", "action": "create"})
    assert response.status_code == 200
    assert b"Parks" in response.content
    assert b"city.department Fire" not in response.content


def test_performance_staff_cannot_read_the_log(alice):
    assert signed_in(alice).get("/staff/audit/").status_code == 403
