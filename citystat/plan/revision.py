"""The plan's revision: one stamp that changes whenever anything a page of the plan shows does.

Pages, feeds and briefings built from the plan are cached under it, so none of them needs
to know how the plan is stored:

    from citystat.plan import revision
    body = revision.cached_by_revision(f"goal:{goal.pk}", lambda: render_goal(goal))

The stamp lives in the site cache (settings.CACHES["default"]: the app database or Redis),
which every web process, worker and command of the site shares, so a change made by one
process is seen by the next request of every other. Reading it is one cache hit per
request (the stamp is remembered for the rest of that request).

The plan bumps it (`changed()`):
- on every save or delete of a plan row (measures, values typed in, targets, narratives,
  strategies, goals, objectives, areas, the plan itself, and their history rows), through
  the signals `watch()` connects;
- after the bulk writes that send no signal: computed values (plan/compute/run.py) and
  `plan import` (plan/documents.py);
- when a dataset a measure reads is published or its schedule changes (whether a value
  is "no recent data" depends on it), and when the city's profile changes (fiscal year).

Each new stamp is a random token, never a count: a stamp evicted from the cache and
made again can never bring back a page cached under an older one.

Other stamps: what is not the plan
----------------------------------
Some pages show what the plan does not own: meetings, their agendas and follow-ups, the
live question board. A change there must not make every plan page render again, nor a
nightly compute every briefing feed, so they have stamps of their own, named, kept
and bumped exactly as the plan's (random tokens in the site cache, on commit), and read
through the same helper: `cached_by_revision(key, build, stamps=["meetings"])`. Each
app names the rows that bump its stamp in its AppConfig.ready() with `watch_stamp()`
(plan cannot import the apps above it); `watched()` lists them all, and this table
says the same (citystat/plan/tests/test_revision_stamps.py checks that it does):

    stamp          bumped by a save or delete of                           read by
    "plan"         (`current()`, above)                                    plan pages, feeds
    "meetings"     meetings.Meeting, meetings.MeetingSeries,               iCalendar feeds,
                   meetings.RotationSlot, meetings.AgendaItem,             briefing books,
                   meetings.Attendee, meetings.FollowUp,                   follow-up memos
                   meetings.FollowUpComment, plan.PriorityArea,
                   city.CityProfile
    "board:<id>"   engagement.Question of meeting <id> (and moving a       the live board
                   question off a meeting: engagement/moderation.py)

`stamp(name)` returns one, `stamp_changed(name)` bumps one (from code that writes
without a signal), and a key built on several stamps changes when any of them does.
The live board, polled by hundreds of viewers, reads its stamp with `fresh_for=0.5`: each
process trusts the token it read for that long, the most a change waits beyond the poll.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import DatabaseError, transaction
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.translation import get_language

logger = logging.getLogger("citystat.plan")

KEY = "citystat:plan:revision"
# The plan's revision among the stamps a cached entry may be kept under.
PLAN = "plan"
# Entries cached under a revision: a day at most, since the date is part of their key.
ENTRY_SECONDS = 24 * 60 * 60
# Entries this process keeps decoded. Their keys carry the revision, so one is never
# stale; they only save the shared cache's read and unpickling of a 100 KB page body.
LOCAL_MAX = 256

T = TypeVar("T")

# Run on commit after every change of revision, with no argument: how the public site
# warms its pages (citystat/public/warm.py). The plan cannot import the apps above it.
after_change: list[Callable[[], None]] = []

_request = threading.local()
_local: OrderedDict[str, Any] = OrderedDict()
_local_lock = threading.Lock()


def current() -> str:
    """Return the plan's current revision (one cache read per request at most)."""
    found = getattr(_request, "revision", None) if getattr(_request, "active", False) else None
    if found is None:
        found = cache.get(KEY)
        if found is None:
            # First reader since the cache was emptied: whoever adds first sets it for all.
            cache.add(KEY, uuid.uuid4().hex, None)
            found = cache.get(KEY) or uuid.uuid4().hex
        if getattr(_request, "active", False):
            _request.revision = found
    pending = getattr(_request, "pending", None)
    # This thread's own uncommitted changes: it alone reads under a revision of its own.
    return f"{found}-{pending}" if pending else str(found)


def bump() -> str:
    """Set a new revision now and return it."""
    new = uuid.uuid4().hex
    cache.set(KEY, new, None)
    if getattr(_request, "active", False):
        _request.revision = new
    return new


def changed() -> None:
    """Record that something the plan's pages show has changed.

    Outside a transaction the revision changes at once. Inside one, it changes for every
    process when the transaction commits (before that, they read the old rows, which
    their pages under the old revision show rightly); the thread that made the change
    reads under a revision of its own until then, so it never sees a page of the rows
    it changed. Then the `after_change` hooks run.

    Cheap enough for a signal on every row: one commit callback per transaction.
    """
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _committed()
        return
    _request.pending = uuid.uuid4().hex
    waiting = getattr(_request, "on_commit", None)
    if (
        waiting is not None
        and not waiting.ran
        and any(entry[1] is waiting for entry in connection.run_on_commit)
    ):
        return  # this transaction's commit will bump it already
    _request.on_commit = _OnCommit()
    transaction.on_commit(_request.on_commit)


class _OnCommit:
    """The one commit callback of a transaction (a rolled-back one's is never run)."""

    def __init__(self) -> None:
        self.ran = False

    def __call__(self) -> None:
        self.ran = True
        _committed()


def _committed() -> None:
    _request.pending = None
    bump()
    for hook in after_change:
        try:
            hook()
        except Exception:  # a failed warm-up must not fail the change that was committed
            logger.exception("after a plan change: %s failed", getattr(hook, "__name__", hook))


def cache_key(key: str, language: str | None = None, *, stamps: Sequence[str] = (PLAN,)) -> str:
    """Return the cache key of `key` under the current revision, day and language.

    Statuses depend on the day (a value grows stale), so the date is part of it. `stamps`
    names what it is cached under (default: the plan's revision alone).
    """
    under = stamps_now(stamps)
    parts = f"{under}:{dt.date.today().isoformat()}:{language or get_language() or ''}:{key}"
    full = f"citystat:rev:{parts}"
    # Keys may come from URLs (slugs): the cache backends want short, plain keys.
    if not full.isascii() or len(full) > 200 or any(c.isspace() for c in full):
        full = "citystat:rev:" + hashlib.sha256(parts.encode()).hexdigest()
    return full


def cached_by_revision(
    key: str,
    build: Callable[[], T],
    *,
    timeout: int = ENTRY_SECONDS,
    language: str | None = None,
    stamps: Sequence[str] = (PLAN,),
) -> T:
    """Return what `build()` returns, cached until the plan's revision or the day changes.

    `key` names what is built (and the language, unless given, is the active one); the
    value must not be None (None is never cached: a miss built again each time).
    `stamps` names the stamps it is cached under instead (module docstring): "plan" for
    the plan's revision, "meetings", "board:<meeting id>".
    """
    full = cache_key(key, language, stamps=stamps)
    with _local_lock:
        if full in _local:
            _local.move_to_end(full)
            return _local[full]  # type: ignore[no-any-return]
    value: T | None = cache.get(full)
    if value is None:
        built = build()
        if built is None:
            return built
        cache.set(full, built, timeout)
        value = built
    with _local_lock:
        _local[full] = value
        while len(_local) > LOCAL_MAX:
            _local.popitem(last=False)
    return value


def forget_local() -> None:
    """Drop what this process keeps decoded (tests measuring the shared cache itself)."""
    with _local_lock:
        _local.clear()


def _request_began(**kwargs: Any) -> None:
    _request.active = True
    _request.revision = None
    if not transaction.get_connection().in_atomic_block:
        # A change this thread rolled back left its own revision behind.
        _request.pending = None
        _request.pending_stamps = {}
    _request.stamps = {}


def _request_ended(**kwargs: Any) -> None:
    _request.active = False
    _request.revision = None
    _request.stamps = {}


def _changed_row(sender: type, **kwargs: Any) -> None:
    changed()


def _changed_version(sender: type, instance: Any, **kwargs: Any) -> None:
    from citystat.catalog.models import DatasetVersion

    # A load saves its version many times while it runs; only a publication (or its
    # undoing) changes what readers see.
    if instance.status != DatasetVersion.Status.LOADING:
        changed()


def watch() -> None:
    """Connect the signals that bump the revision (from PlanConfig.ready())."""
    from django.apps import apps

    from citystat.catalog.models import Dataset, DatasetVersion
    from citystat.city.models import CityProfile

    request_started.connect(_request_began, dispatch_uid="plan-revision-request")
    request_finished.connect(_request_ended, dispatch_uid="plan-revision-request-end")
    for model in apps.get_app_config("plan").get_models():
        uid = f"plan-revision-{model._meta.label_lower}"
        post_save.connect(_changed_row, sender=model, dispatch_uid=uid)
        if model._meta.model_name != "measurevalue":
            # Deleting a measure deletes its values in one query; a receiver on values
            # would make Django load every one of them first. The measure's own
            # delete bumps the revision.
            post_delete.connect(_changed_row, sender=model, dispatch_uid=uid)
        for field in model._meta.local_many_to_many:  # a strategy's measures
            through = field.remote_field.through
            m2m_changed.connect(_changed_row, sender=through, dispatch_uid=f"{uid}-{field.name}")
    for model in (Dataset, CityProfile):
        post_save.connect(_changed_row, sender=model, dispatch_uid="plan-revision-catalog")
        post_delete.connect(_changed_row, sender=model, dispatch_uid="plan-revision-catalog")
    post_save.connect(_changed_version, sender=DatasetVersion, dispatch_uid="plan-revision-v")


# --- Other stamps (module docstring: "Other stamps") ---------------------------------

STAMP_KEY = "citystat:stamp:"
# {stamp name (or its family, "board"): [(model label, how a row names its stamp)]}.
_watched: dict[str, list[tuple[str, Callable[[Any], str | None]]]] = {}
# {stamp name: (monotonic time read, token)}: read with `fresh_for`, trusted that long.
_trusted: dict[str, tuple[float, str]] = {}
_trusted_lock = threading.Lock()


def stamp(name: str, *, fresh_for: float = 0.0) -> str:
    """Return stamp `name`'s current token ("plan" is `current()`).

    One cache read per request at most; with `fresh_for`, one per that many seconds per
    process (a poll hundreds of viewers make every couple of seconds).
    """
    if name == PLAN:
        return current()
    pending = getattr(_request, "pending_stamps", None) or {}
    if name in pending:
        if transaction.get_connection().in_atomic_block:
            return str(pending[name])  # this thread's uncommitted change: a token of its own
        pending.clear()  # outside a transaction, what is pending was rolled back
    active = getattr(_request, "active", False)
    known = getattr(_request, "stamps", None) if active else None
    if known is not None and name in known:
        return str(known[name])
    now = time.monotonic()
    with _trusted_lock:
        trusted = _trusted.get(name)
    if fresh_for and trusted is not None and now - trusted[0] < fresh_for:
        found = trusted[1]
    else:
        found = cache.get(STAMP_KEY + name)
        if found is None:
            cache.add(STAMP_KEY + name, uuid.uuid4().hex, None)
            found = cache.get(STAMP_KEY + name) or uuid.uuid4().hex
        if fresh_for:
            with _trusted_lock:
                _trusted[name] = (now, found)
    if known is not None:
        known[name] = found
    return str(found)


def stamps_now(names: Sequence[str]) -> str:
    """Return the tokens of `names`, joined: what a key built on all of them carries."""
    return "+".join(stamp(name) for name in names)


def stamp_changed(name: str) -> None:
    """Record that what stamp `name` covers has changed ("plan": `changed()`).

    As `changed()`: at once outside a transaction, on commit inside one (the thread that
    made the change reads under a token of its own until then).
    """
    if name == PLAN:
        changed()
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _bump_stamp(name)
        return
    pending = getattr(_request, "pending_stamps", None)
    if pending is None:
        pending = _request.pending_stamps = {}
    already = name in pending
    pending[name] = uuid.uuid4().hex
    waiting = getattr(_request, "stamps_on_commit", None)
    if (
        waiting is not None
        and not waiting.ran
        and any(entry[1] is waiting for entry in connection.run_on_commit)
    ):
        if not already:
            waiting.names.add(name)
        return
    _request.stamps_on_commit = _StampsOnCommit({name})
    transaction.on_commit(_request.stamps_on_commit)


class _StampsOnCommit:
    """The one commit callback of a transaction for the stamps it changed."""

    def __init__(self, names: set[str]) -> None:
        self.ran = False
        self.names = names

    def __call__(self) -> None:
        self.ran = True
        pending = getattr(_request, "pending_stamps", None) or {}
        for name in self.names:
            pending.pop(name, None)
            _bump_stamp(name)


def _bump_stamp(name: str) -> None:
    new = uuid.uuid4().hex
    cache.set(STAMP_KEY + name, new, None)
    with _trusted_lock:
        if name in _trusted:
            _trusted[name] = (time.monotonic(), new)
    known = getattr(_request, "stamps", None)
    if getattr(_request, "active", False) and known is not None:
        known[name] = new


def forget_stamps() -> None:
    """Drop the tokens this process trusts and this thread's pending ones (tests)."""
    with _trusted_lock:
        _trusted.clear()
    _request.pending_stamps = {}


def watch_stamp(
    family: str, models: Iterable[type[Model]], name_of: Callable[[Any], str | None] | None = None
) -> None:
    """Bump a stamp on every save or delete of `models` (from an AppConfig.ready()).

    `name_of(row)` names the stamp a row bumps (None: none), for a family of stamps such as
    one per meeting; without it, every row bumps stamp `family`.
    """
    name_of = name_of or (lambda row: family)
    for model in models:
        label = model._meta.label
        uid = f"stamp-{family}-{label}"
        entries = _watched.setdefault(family, [])
        if all(known != label for known, _name in entries):
            entries.append((label, name_of))

        def receiver(sender: type, instance: Any, _name_of: Any = name_of, **kwargs: Any) -> None:
            name = _name_of(instance)
            if name:
                stamp_changed(name)

        post_save.connect(receiver, sender=model, dispatch_uid=uid, weak=False)
        post_delete.connect(receiver, sender=model, dispatch_uid=uid, weak=False)


def watched() -> dict[str, list[str]]:
    """Return {stamp (or family): the labels of the models whose changes bump it}."""
    return {
        family: sorted(label for label, _name in entries) for family, entries in _watched.items()
    }


# --- Everything else the site's pages show: the content stamp -----------------------------
#
# Whole public pages (citystat/public/page_cache.py) show more than the plan: the next
# meeting, updates, answered questions, surveys, boundaries. Rather than a list of those
# models, which a new feature would forget to extend (and bulk writes send no signal),
# every statement that writes a row of the app database changes this second stamp, once
# its transaction commits. Only tables no page shows are left out (IGNORED_TABLES and the
# database caches' own tables, which the stamps themselves are written to).

CONTENT_KEY = "citystat:site:content"
IGNORED_TABLES = frozenset({"django_session", "django_admin_log", "django_migrations"})
# Prefixes of tables no page shows that change on their own schedule: scheduled job
# locks and run records, two-factor devices.
IGNORED_PREFIXES = ("jobs_", "otp_")
_WRITE = re.compile(
    r"^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM|REPLACE\s+INTO"
    r"|TRUNCATE(?:\s+TABLE)?)"
    r'\s+[`"\[]?(\w+)',
    re.IGNORECASE,
)


def content() -> str:
    """Return the stamp of every other row of the app database (one cache read a request)."""
    _write_noted_content()
    found = getattr(_request, "content", None) if getattr(_request, "active", False) else None
    if found is None:
        found = cache.get(CONTENT_KEY)
        if found is None:
            cache.add(CONTENT_KEY, uuid.uuid4().hex, None)
            found = cache.get(CONTENT_KEY) or uuid.uuid4().hex
        if getattr(_request, "active", False):
            _request.content = found
    pending = getattr(_request, "content_pending", None)
    return f"{found}-{pending}" if pending else str(found)


def read_stamps() -> None:
    """Read the plan's revision and the content stamp in one cache round trip, for the
    rest of this request (a page cached under both then costs one read less)."""
    _write_noted_content()
    if not getattr(_request, "active", False):
        return
    found = cache.get_many([KEY, CONTENT_KEY])
    if KEY in found:
        _request.revision = found[KEY]
    if CONTENT_KEY in found:
        _request.content = found[CONTENT_KEY]


def content_changed(using: str = "default") -> None:
    """Record that a row some page may show was written (on commit, as `changed()`).

    Called from inside the database's execute wrapper, while the statement that wrote is
    not finished. Outside a transaction the new stamp is only noted here and written at
    the next safe moment (the next read of the stamp, or the request's end): writing it
    now would put the database cache's own transaction on the same connection in the
    middle of that statement, which on SQLite rolls the statement's row back.
    """
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        _request.content_dirty = True
        return
    _request.content_pending = uuid.uuid4().hex
    waiting = getattr(_request, "content_on_commit", None)
    if (
        waiting is not None
        and not waiting.ran
        and any(entry[1] is waiting for entry in connection.run_on_commit)
    ):
        return
    _request.content_on_commit = _ContentOnCommit()
    transaction.on_commit(_request.content_on_commit, using=using)


class _ContentOnCommit:
    def __init__(self) -> None:
        self.ran = False

    def __call__(self) -> None:
        self.ran = True
        _content_committed()


def _content_committed() -> None:
    _request.content_pending = None
    new = uuid.uuid4().hex
    try:
        cache.set(CONTENT_KEY, new, None)
    except DatabaseError:
        if _cache_table_exists():
            raise
        # `migrate` writes rows before it creates the database cache's table: with no
        # table nothing is cached yet, so nothing can be stale.
        return
    if getattr(_request, "active", False):
        _request.content = new


def _cache_table_exists() -> bool:
    from django.conf import settings
    from django.db import connections

    config = settings.CACHES["default"]
    if not config.get("BACKEND", "").endswith("DatabaseCache"):
        return True
    return str(config.get("LOCATION")) in connections["default"].introspection.table_names()


def written_table(sql: str) -> str | None:
    """Return the table a statement writes to, or None for a read (or unknown statement)."""
    match = _WRITE.match(sql)
    return match.group(1).lower() if match else None


def _ignored_tables() -> frozenset[str]:
    from django.conf import settings

    caches = {
        str(config.get("LOCATION", "")).lower()
        for config in settings.CACHES.values()
        if config.get("BACKEND", "").endswith("DatabaseCache")
    }
    return IGNORED_TABLES | caches


def _watch_writes(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
) -> Any:
    result = execute(sql, params, many, context)
    table = written_table(sql)
    if (
        table is not None
        and table not in _ignored_tables()
        and not table.startswith(IGNORED_PREFIXES)
    ):
        content_changed(context["connection"].alias)
    return result


def _connected(sender: Any, connection: Any, **kwargs: Any) -> None:
    if _watch_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch_writes)


def _write_noted_content() -> None:
    """Write the new content stamp a write outside a transaction noted (content_changed)."""
    if getattr(_request, "content_dirty", False):
        _request.content_dirty = False
        _content_committed()


def _content_request_began(**kwargs: Any) -> None:
    _write_noted_content()
    _request.content = None
    if not transaction.get_connection().in_atomic_block:
        _request.content_pending = None  # a write this thread rolled back


def _content_request_ended(**kwargs: Any) -> None:
    _write_noted_content()
    _request.content = None


def watch_writes() -> None:
    """Watch every statement of every database connection for writes (from PlanConfig.ready())."""
    from django.db import connections
    from django.db.backends.signals import connection_created

    connection_created.connect(_connected, dispatch_uid="plan-content-writes")
    request_started.connect(_content_request_began, dispatch_uid="plan-content-request")
    request_finished.connect(_content_request_ended, dispatch_uid="plan-content-request-end")
    for connection in connections.all(initialized_only=True):
        _connected(None, connection)
