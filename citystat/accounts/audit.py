"""The audit log: who changed what, from where, chained by HMAC-SHA256 so edits show.

Every entry's hash is HMAC-SHA256, under a key kept outside the database
(citystat/accounts/audit_keys.py), of the previous entry's hash followed by the entry's
canonical JSON (sorted keys, no spaces). `verify_chain()` recomputes the chain; a changed,
removed or reordered entry breaks it, and someone who can write to the database but has
no key cannot re-sign it. The head is also anchored outside the database
(citystat/accounts/audit_anchors.py), so cutting off the newest entries shows too. Writers
lock the single AuditChainHead row, so two web nodes appending at once make one chain.

Logs written before the key existed are chained by plain SHA-256. Those entries stay as
they are (PostgreSQL refuses to rewrite them anyway); the first keyed entry signs the last
plain hash and so seals them, and `citystat audit upgrade` does that once on purpose.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import hashlib
import hmac
import json
import logging
import math
import uuid
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.utils import timezone

from citystat.accounts.audit_anchors import (
    Anchor,
    anchor_file,
    append_anchor,
    last_anchor,
    read_anchors,
)
from citystat.accounts.audit_keys import AuditKeyError, MissingAuditKey, audit_key, key_id
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


def difference(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, list[Any]]:
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


def signed_hash(key: bytes, previous_hash: str, entry: AuditEntry) -> str:
    message = (previous_hash + canonical(entry_payload(entry))).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def plain_hash(previous_hash: str, entry: AuditEntry) -> str:
    """Return the unkeyed SHA-256 that entries written before the audit key carry."""
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
    key = audit_key()
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
        entry.hash = signed_hash(key, head.last_hash, entry)
        entry.save()
        head.last_sequence, head.last_hash = entry.sequence, entry.hash
        head.save(update_fields=["last_sequence", "last_hash"])
        every = settings.CITYSTAT_AUDIT_ANCHOR_EVERY
        if every and entry.sequence % every == 0:
            # After the commit only: an anchor for an entry rolled back with its request
            # would later read as entries cut off the log.
            anchor = partial(anchor_quietly, entry.sequence, entry.hash, key_id(key))
            transaction.on_commit(anchor, robust=True)
    return entry


def anchor_quietly(sequence: int, entry_hash: str, key: str) -> None:
    """Anchor a just-written entry; a failure is logged, never raised into the request."""
    try:
        append_anchor(sequence, entry_hash, key)
    except OSError as error:
        logger.error(
            "audit entry #%s could not be anchored in %s: %s", sequence, anchor_file(), error
        )


def remember_before(
    sender: type[models.Model], instance: models.Model, raw: bool = False, **kwargs: Any
) -> None:
    if raw or not is_audited(sender) or is_derived(instance):
        return
    # A change the log could not sign is refused before the row is written, not after.
    audit_key()
    if instance._state.adding or instance.pk is None:
        return
    if is_derived(instance):
        return
    old = sender._base_manager.filter(pk=instance.pk).first()
    setattr(instance, BEFORE, field_values(old) if old is not None else None)


def refuse_unsigned_delete(
    sender: type[models.Model], instance: models.Model, **kwargs: Any
) -> None:
    if is_audited(sender) and not is_derived(instance):
        audit_key()


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
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    # Django has already replaced the password in `credentials`; only the name is kept.
    name = str(credentials.get("username", ""))[:150]
    record(AuditEntry.Action.SIGN_IN_FAILED, username=name, object_repr=name)


def connect_signals() -> None:
    pre_save.connect(remember_before, dispatch_uid="citystat-audit-before")
    pre_delete.connect(refuse_unsigned_delete, dispatch_uid="citystat-audit-before-delete")
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
    notes: list[str] = dataclasses.field(default_factory=list)
    unsealed: int = 0

    @property
    def intact(self) -> bool:
        return not self.problems


class AuditError(Exception):
    pass


@dataclass
class Walk:
    """What one pass over the entries found; verify_chain() turns it into a report."""

    key: bytes
    problems: list[str] = dataclasses.field(default_factory=list)
    count: int = 0
    signed: int = 0
    plain: int = 0
    plain_until: int = 0
    last_sequence: int = 0
    last_hash: str = GENESIS_HASH
    hashes: dict[int, str] = dataclasses.field(default_factory=dict)

    def check(self, entry: AuditEntry, anchored: set[int]) -> None:
        expected = self.last_sequence + 1
        if entry.sequence != expected:
            self.problems.append(f"entries #{expected}–#{entry.sequence - 1} are missing")
        if entry.previous_hash != self.last_hash:
            self.problems.append(f"entry #{entry.sequence} does not follow the entry before it")
        if hmac.compare_digest(signed_hash(self.key, entry.previous_hash, entry), entry.hash):
            self.signed += 1
        elif plain_hash(entry.previous_hash, entry) != entry.hash:
            self.problems.append(f"entry #{entry.sequence} was changed after it was written")
        elif self.signed:
            self.problems.append(
                f"entry #{entry.sequence} carries a plain SHA-256 after keyed entries: it was "
                "changed and re-hashed by someone without the audit key"
            )
        else:
            self.plain, self.plain_until = self.plain + 1, entry.sequence
        if entry.sequence in anchored:
            self.hashes[entry.sequence] = entry.hash
        self.count += 1
        self.last_sequence, self.last_hash = entry.sequence, entry.hash


def verify_chain(limit: int = 20) -> ChainReport:
    """Recompute every HMAC and compare with the anchors; report the first `limit` problems."""
    if not AuditEntry.objects.exists():
        return ChainReport(entries=0, problems=[])
    missing: MissingAuditKey | None = None
    try:
        walk = Walk(key=audit_key(create=False))
    except MissingAuditKey as error:
        # A log from before the key has none yet: its plain chain can still be checked.
        walk, missing = Walk(key=b""), error
    except AuditKeyError as error:
        return ChainReport(entries=AuditEntry.objects.count(), problems=[str(error)])
    anchors, problems = read_anchors()
    anchored = {anchor.sequence for anchor in anchors}
    for entry in AuditEntry.objects.order_by("sequence").iterator(chunk_size=2000):
        walk.check(entry, anchored)
        if len(walk.problems) >= limit:
            break
    if missing is not None and (walk.problems or walk.plain < walk.count):
        return ChainReport(entries=walk.count, problems=[str(missing)])
    if walk.signed == 0 and walk.plain == 0:
        walk.problems[:] = [wrong_key_problem(walk.key)]
    problems += walk.problems
    head = AuditChainHead.objects.filter(pk=1).first()
    if not problems and head is not None and head.last_hash != walk.last_hash:
        problems.append(
            f"the chain ends at #{walk.last_sequence} but entries up to "
            f"#{head.last_sequence} were written: the newest were removed"
        )
    if len(problems) < limit:
        problems += anchor_problems(anchors, walk)
    notes = [] if missing else [f"signed with audit key {key_id(walk.key)}"]
    unsealed = 0
    if walk.plain and walk.signed:
        notes.append(
            f"entries #1–#{walk.plain_until} are from before the audit key; the keyed entry "
            f"after them seals them"
        )
    elif walk.plain and not problems:
        unsealed = walk.plain
        problems.append(
            f"entries #1–#{walk.plain_until} carry only the old unkeyed SHA-256 chain, which "
            "anyone who can write to the database could recompute; run `citystat audit "
            "upgrade` once to seal them under the audit key"
        )
    if anchors:
        notes.append(
            f"{len(anchors)} anchor(s) in {anchor_file()}, the last at #{anchors[-1].sequence}"
        )
    else:
        notes.append(f"no anchors yet in {anchor_file()}; run `citystat audit anchor`")
    return ChainReport(walk.count, problems[:limit], notes, unsealed)


def wrong_key_problem(key: bytes) -> str:
    return (
        f"no entry verifies with the audit key in use (id {key_id(key)}): it is not the key "
        "this log was written with, or every entry was rewritten. Set CITYSTAT_AUDIT_KEY, or "
        "put back the CITYSTAT_HOME/audit.key, that the log was written with."
    )


def anchor_problems(anchors: list[Anchor], walk: Walk) -> list[str]:
    """Compare the chain with the anchors written outside the database."""
    problems = []
    current = key_id(walk.key)
    foreign = sorted({anchor.key for anchor in anchors if anchor.key != current})
    if foreign:
        problems.append(
            f"anchors in {anchor_file()} were written with audit key {', '.join(foreign)}, "
            f"not with the key in use ({current}): the key was changed or replaced"
        )
    for anchor in anchors:
        if anchor.sequence > walk.last_sequence:
            problems.append(
                f"entry #{anchor.sequence} was anchored at {anchor.at} but the log ends at "
                f"#{walk.last_sequence}: the newest entries were removed"
            )
            break
        recorded = walk.hashes.get(anchor.sequence)
        if recorded is not None and recorded != anchor.hash:
            problems.append(
                f"entry #{anchor.sequence} is not the entry anchored at {anchor.at}: the log "
                "was rewritten"
            )
    return problems


def anchor_head() -> Anchor | None:
    """Anchor the newest entry outside the database, unless it is already the last anchor.

    Returns None when the log is empty. Refuses (AuditError) to anchor an entry whose HMAC
    does not check out, so a tampered head is never written down as good.
    """
    key = audit_key()
    entry = AuditEntry.objects.order_by("-sequence").first()
    if entry is None:
        return None
    last = last_anchor()
    if last is not None and (last.sequence, last.hash) == (entry.sequence, entry.hash):
        return last
    if not hmac.compare_digest(signed_hash(key, entry.previous_hash, entry), entry.hash):
        raise AuditError(
            f"the newest audit entry #{entry.sequence} does not verify with the audit key, so "
            "it was not anchored; run `citystat audit verify`."
        )
    return append_anchor(entry.sequence, entry.hash, key_id(key))


def upgrade_chain() -> str:
    """Seal entries written before the audit key under it, once, and anchor the head.

    Refuses (AuditError) when the old chain is already broken: sealing it would vouch for it.
    """
    audit_key()  # made here on a site that never had one, to seal its old entries with
    report = verify_chain()
    if not report.unsealed and report.problems:
        raise AuditError(
            "the audit log was not upgraded, because it does not verify: "
            + "; ".join(report.problems)
        )
    if report.unsealed:
        record(
            AuditEntry.Action.UPDATE,
            username="citystat audit upgrade",
            object_repr="audit log",
            changes={"chain": ["sha256", "hmac-sha256"], "sealed": [0, report.unsealed]},
        )
        message = f"sealed {report.unsealed} entries written before the audit key"
    else:
        message = "the audit log is already signed with the audit key; nothing to seal"
    anchor = anchor_head()
    if anchor is not None:
        message += f"; anchored #{anchor.sequence} in {anchor_file()}"
    return message + "."
