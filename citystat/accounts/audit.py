"""The audit log: who changed what, from where, chained by SHA-256 so edits show.

Every entry's hash is SHA-256 of the previous entry's hash followed by the entry's
canonical JSON (sorted keys, no spaces). `verify_chain()` recomputes the chain; a changed,
removed or reordered entry breaks it. Writers lock the single AuditChainHead row, so two
web nodes appending at once still make one chain.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import logging
import math
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.utils import timezone

from citystat.accounts.context import client_ip, current_request
from citystat.accounts.models import AuditChainHead, AuditEntry

logger = logging.getLogger("citystat.audit")

GENESIS_HASH = "0" * 64
# Models outside citystat's own apps that are still worth a record.
AUDITED_OTHER_MODELS = {"auth.user", "auth.group", "otp_totp.totpdevice"}
# Bookkeeping that would only drown the log (or audit the audit log itself).
SKIPPED_MODELS = {"accounts.auditentry", "accounts.auditchainhead", "accounts.signinattempt"}
# Rows a job derives from data rather than a person changes: {model: (field, value)}.
# Computed measure values are rewritten by every `citystat compute` and carry the dataset
# version they came from; values staff type in (origin "entered") are still audited.
DERIVED_ROWS = {"plan.measurevalue": ("origin", "computed")}
# Field values that must never reach the log: it records that they changed, not to what.
SECRET_FIELDS = {"password", "key", "secret", "token", "key_hash"}
# Fields that change on every sign-in and say nothing an auditor needs.
IGNORED_FIELDS = {
    "last_login",
    "last_t",
    "throttling_failure_timestamp",
    "throttling_failure_count",
    "last_used_at",
}
LONGEST_VALUE = 2000
BEFORE = "_citystat_audit_before"


def is_audited(model: type[models.Model]) -> bool:
    label = model._meta.label_lower
    if label in SKIPPED_MODELS or (model._meta.model_name or "").startswith("historical"):
        return False
    return label in AUDITED_OTHER_MODELS or model.__module__.startswith("citystat.")


def is_derived(instance: models.Model) -> bool:
    rule = DERIVED_ROWS.get(instance._meta.label_lower)
    return rule is not None and getattr(instance, rule[0], None) == rule[1]


def jsonable(value: Any) -> Any:
    """Return `value` as plain JSON data, shortening anything long to its hash."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        value = value.isoformat()
    elif isinstance(value, decimal.Decimal | uuid.UUID):
        value = str(value)
    elif isinstance(value, float) and not math.isfinite(value):
        value = repr(value)
    elif isinstance(value, bytes | memoryview):
        value = f"<{len(value)} bytes>"
    elif hasattr(value, "name") and hasattr(value, "storage"):  # a FieldFile
        value = value.name or ""
    text = canonical(value)
    if len(text) > LONGEST_VALUE:
        digest = hashlib.sha256(text.encode()).hexdigest()
        return f"<{len(text):,} characters, sha256 {digest}>"
    return value


def canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def field_values(instance: models.Model) -> dict[str, Any]:
    values = {}
    for field in instance._meta.concrete_fields:
        if field.name in IGNORED_FIELDS:
            continue
        values[field.attname] = field.value_from_object(instance)
    return values


def shown(name: str, value: Any) -> Any:
    return "[secret]" if name in SECRET_FIELDS else jsonable(value)


def difference(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, list]:
    """Return {field: [before, after]} for the fields that differ."""
    before, after = before or {}, after or {}
    changes = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old != new or not before or not after:
            changes[name] = [shown(name, old), shown(name, new)]
    return changes


def entry_payload(entry: AuditEntry) -> dict[str, Any]:
    return {
        "sequence": entry.sequence,
        "at": entry.at.astimezone(dt.UTC).isoformat(),
        "action": entry.action,
        "user_id": entry.user_id,
        "username": entry.username,
        "ip": entry.ip,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "changes": entry.changes,
    }


def entry_hash(previous_hash: str, entry: AuditEntry) -> str:
    return hashlib.sha256((previous_hash + canonical(entry_payload(entry))).encode()).hexdigest()


def record(
    action: str,
    *,
    instance: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    user: Any = None,
    username: str = "",
    object_repr: str = "",
) -> AuditEntry:
    """Append one entry to the chain, naming the signed-in user and IP of this request."""
    request = current_request()
    if user is None and request is not None:
        user = getattr(request, "user", None)
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        entry = AuditEntry(
            sequence=head.last_sequence + 1,
            at=timezone.now(),
            action=action,
            user_id=user.pk if user is not None else None,
            username=(user.get_username() if user is not None else username)[:150],
            ip=client_ip(request),
            object_type=instance._meta.label_lower if instance is not None else "",
            object_id=str(instance.pk) if instance is not None and instance.pk is not None else "",
            object_repr=(object_repr or (str(instance) if instance is not None else ""))[:200],
            changes=changes or {},
            previous_hash=head.last_hash,
        )
        entry.hash = entry_hash(head.last_hash, entry)
        entry.save()
        head.last_sequence, head.last_hash = entry.sequence, entry.hash
        head.save(update_fields=["last_sequence", "last_hash"])
    return entry


def remember_before(
    sender: type[models.Model], instance: models.Model, raw: bool = False, **kwargs: Any
) -> None:
    if raw or not is_audited(sender) or instance._state.adding or instance.pk is None:
        return
    if is_derived(instance):
        return
    old = sender._base_manager.filter(pk=instance.pk).first()
    setattr(instance, BEFORE, field_values(old) if old is not None else None)


def record_save(
    sender: type[models.Model],
    instance: models.Model,
    created: bool,
    raw: bool = False,
    **kwargs: Any,
) -> None:
    if raw or not is_audited(sender) or is_derived(instance):
        return
    before = None if created else getattr(instance, BEFORE, None)
    changes = difference(before, field_values(instance))
    if not changes:
        return
    action = AuditEntry.Action.CREATE if created or before is None else AuditEntry.Action.UPDATE
    record(action, instance=instance, changes=changes)


def record_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if is_audited(sender) and not is_derived(instance):
        record(
            AuditEntry.Action.DELETE,
            instance=instance,
            changes=difference(field_values(instance), None),
        )


def record_relation_change(
    sender: Any, instance: models.Model, action: str, model: Any, pk_set: Any, **kwargs: Any
) -> None:
    """Record added and removed links (a user's groups, a profile's departments)."""
    if action not in ("post_add", "post_remove", "post_clear") or not is_audited(type(instance)):
        return
    field = next((f for f in instance._meta.many_to_many if f.remote_field.through is sender), None)
    name = field.name if field is not None else None
    if name is None:  # the reverse side: group.user_set.add(user)
        name = next(
            (
                r.get_accessor_name()
                for r in instance._meta.related_objects
                if getattr(r, "through", None) is sender
            ),
            None,
        )
    if name is None:
        return
    verb = {"post_add": "added", "post_remove": "removed", "post_clear": "cleared"}[action]
    if action == "post_clear":
        names: list[str] = []
    else:
        related = model._base_manager.filter(pk__in=sorted(pk_set or []))
        names = sorted(str(obj) for obj in related)
        if not names:
            return
    record(AuditEntry.Action.UPDATE, instance=instance, changes={name: {verb: names}})


def record_sign_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record(AuditEntry.Action.SIGN_IN, user=user, object_repr=user.get_username())


def record_sign_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record(AuditEntry.Action.SIGN_OUT, user=user, object_repr=user.get_username())


def record_failed_sign_in(
    sender: Any, credentials: dict, request: Any = None, **kwargs: Any
) -> None:
    # Django has already replaced the password in `credentials`; only the name is kept.
    name = str(credentials.get("username", ""))[:150]
    record(AuditEntry.Action.SIGN_IN_FAILED, username=name, object_repr=name)


def connect_signals() -> None:
    from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
    from django.db.models.signals import m2m_changed

    pre_save.connect(remember_before, dispatch_uid="citystat-audit-before")
    post_save.connect(record_save, dispatch_uid="citystat-audit-save")
    post_delete.connect(record_delete, dispatch_uid="citystat-audit-delete")
    m2m_changed.connect(record_relation_change, dispatch_uid="citystat-audit-relations")
    user_logged_in.connect(record_sign_in, dispatch_uid="citystat-audit-sign-in")
    user_logged_out.connect(record_sign_out, dispatch_uid="citystat-audit-sign-out")
    user_login_failed.connect(record_failed_sign_in, dispatch_uid="citystat-audit-failed")


@dataclass
class ChainReport:
    entries: int
    problems: list[str]

    @property
    def intact(self) -> bool:
        return not self.problems


def verify_chain(limit: int = 20) -> ChainReport:
    """Recompute every hash; report the first `limit` places the chain is broken."""
    problems: list[str] = []
    previous_hash, expected_sequence, count = GENESIS_HASH, 1, 0
    for entry in AuditEntry.objects.order_by("sequence").iterator(chunk_size=2000):
        count += 1
        if entry.sequence != expected_sequence:
            problems.append(f"entries #{expected_sequence}–#{entry.sequence - 1} are missing")
        if entry.previous_hash != previous_hash:
            problems.append(f"entry #{entry.sequence} does not follow the entry before it")
        if entry_hash(entry.previous_hash, entry) != entry.hash:
            problems.append(f"entry #{entry.sequence} was changed after it was written")
        previous_hash, expected_sequence = entry.hash, entry.sequence + 1
        if len(problems) >= limit:
            break
    head = AuditChainHead.objects.filter(pk=1).first()
    if not problems and head is not None and head.last_hash != previous_hash:
        problems.append(
            f"the chain ends at #{expected_sequence - 1} but entries up to "
            f"#{head.last_sequence} were written: the newest were removed"
        )
    return ChainReport(entries=count, problems=problems[:limit])
