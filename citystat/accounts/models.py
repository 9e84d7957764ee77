"""Staff profiles, invitations, sign-in attempts and the append-only audit log."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from citystat.city.models import Department


class StaffProfile(models.Model):
    """What a staff member needs beyond Django's User: the departments they work for."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    departments = models.ManyToManyField(Department, blank=True, related_name="staff")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "staff profile"

    def __str__(self) -> str:
        return str(self.user)


class Invitation(models.Model):
    """A signed, expiring, single-use link that lets a new staff member set a password."""

    email = models.EmailField()
    roles = models.JSONField(default=list, help_text="Role slugs from accounts.permissions.")
    departments = models.ManyToManyField(Department, blank=True, related_name="+")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Made by `citystat users add` by whoever runs the server: no inviter whose roles the
    # acceptance re-checks. Not inferred from an empty invited_by, which a deleted
    # inviter also leaves behind.
    from_command_line = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"invitation for {self.email}"


class SignInAttempt(models.Model):
    """One password or code check, kept in the database so every web node throttles alike."""

    class Kind(models.TextChoices):
        # Wrong codes are counted apart from wrong passwords, so a right password never
        # clears them (citystat/accounts/throttle.py).
        PASSWORD = "password", "Password"
        CODE = "code", "Two-factor code"

    username = models.CharField(max_length=150, db_index=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PASSWORD)
    ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    succeeded = models.BooleanField()
    at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        outcome = "ok" if self.succeeded else "failed"
        return f"{self.kind} {self.username} from {self.ip} {outcome} at {self.at:%Y-%m-%d %H:%M}"


class AppendOnlyQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("the audit log is append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("the audit log is append-only")


class AuditEntry(models.Model):
    """One staff change or sign-in event, chained to the one before by its SHA-256 hash."""

    class Action(models.TextChoices):
        CREATE = "create", "Created"
        UPDATE = "update", "Changed"
        DELETE = "delete", "Deleted"
        SIGN_IN = "sign-in", "Signed in"
        SIGN_OUT = "sign-out", "Signed out"
        SIGN_IN_FAILED = "sign-in-failed", "Failed sign-in"
        REFUSED = "refused", "Refused"

    sequence = models.PositiveBigIntegerField(unique=True)
    at = models.DateTimeField(db_index=True)
    action = models.CharField(max_length=20, choices=Action.choices, db_index=True)
    # Plain values, not foreign keys: deleting a user or an object must not rewrite history.
    user_id = models.BigIntegerField(null=True, blank=True)
    username = models.CharField(max_length=150, blank=True, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    object_type = models.CharField(max_length=100, blank=True, db_index=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-sequence"]
        verbose_name_plural = "audit entries"
        permissions = [("export_auditentry", "Can export the audit log as CSV")]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.object_type} {self.object_repr}".strip()

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("the audit log is append-only")


class AuditChainHead(models.Model):
    """The single row writers lock to append to the chain one at a time; it also holds
    the last hash, so cutting entries off the end is detected too."""

    last_sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"audit chain at #{self.last_sequence}"


class ApiToken(models.Model):
    """A staff-issued key for the APIs: higher rate limits, and writes as its owner.

    Only the SHA-256 of the key is stored (`key_hash`); the key itself is shown once, when
    it is issued. The key is 256 random bits, so a fast hash is enough: nobody can guess
    one from its hash. `prefix` (the key's first characters) lets staff tell keys apart.
    """

    class Scope(models.TextChoices):
        READ = "read", "Read: public data with higher rate limits (an app token)"
        WRITE = "write", "Write: change plan data, as far as its owner's role allows"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="What uses it, such as 'Water dashboard'.")
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.READ)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
