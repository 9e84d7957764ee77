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
live question board, and (for whole public pages) every other row of the app database.
A change there must not make every plan page render again, nor a nightly compute every
briefing feed, so they have stamps of their own. The plan's revision is itself one of
them: every stamp is a random token in the site cache under STAMP_KEY + its name, bumped
once per transaction on commit (`stamp_changed(name)`, one commit callback for all the
stamps a transaction changes), read with the others it is asked with in one cache call
(`read(names)`, remembered for the rest of the request), and cached by through the one
helper: `cached_by_revision(key, build, stamps=["meetings"])`. Each app names the rows
that bump its stamp in its AppConfig.ready() with `watch_stamp()` (plan cannot import the
apps above it); `watched()` lists them all, and this table says the same
(citystat/plan/tests/test_revision_stamps.py checks that it does):

    stamp          bumped by a save or delete of                           read by
    "plan"         (`current()`, above)                                    plan pages, feeds
    "content"      any row of the app database, by any statement           whole public
                   (`content()`: the execute wrapper at the end of this    pages (public/
                   module; sessions, job records and caches left out)      page_cache.py)
    "meetings"     meetings.Meeting, meetings.MeetingSeries,               iCalendar feeds,
                   meetings.RotationSlot, meetings.AgendaItem,             briefing books,
                   meetings.Attendee, meetings.FollowUp,                   follow-up memos
                   meetings.FollowUpComment, plan.PriorityArea,
                   city.CityProfile
    "board:<id>"   engagement.Question of meeting <id> (and moving a       the live board
                   question off a meeting: engagement/moderation.py)

`stamp(name)` returns one, `stamp_changed(name)` bumps one (from code that writes
without a signal), and a key built on several stamps changes when any of them does.
A write seen by the execute wrapper outside a transaction is only noted, and its stamp
written at the next read or the request's end (`content_changed`).
The live board, polled by hundreds of viewers, reads its stamp with `fresh_for=0.5`: each
process trusts the token it read for that long, the most a change waits beyond the poll.

Entries that also change with the clock alone (a whole public page showing the next
meeting) are kept with `cached_by_revision(..., fresh_for=seconds)`: once that old, one
request of the site builds the entry again while the others keep getting it, never past
twice that age (stale-while-revalidate with a single flight).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import math
import pickle
import re
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple, TypeVar

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import DatabaseError, connections, transaction
from django.db.backends.signals import connection_created
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.translation import get_language

from citystat.catalog.models import Dataset, DatasetVersion
from citystat.city.models import CityProfile

logger = logging.getLogger("citystat.plan")

# The plan's revision and the content stamp: two stamps of the one mechanism below.
PLAN = "plan"
CONTENT = "content"
STAMP_KEY = "citystat:stamp:"
KEY = STAMP_KEY + PLAN
CONTENT_KEY = STAMP_KEY + CONTENT
# Entries cached under a revision: a day at most, since the date is part of their key.
ENTRY_SECONDS = 24 * 60 * 60
# Entries this process keeps decoded. Their keys carry the revision, so one is never
# stale; they only save the shared cache's read and unpickling of a 100 KB page body.
LOCAL_MAX = 256

T = TypeVar("T")

# Run on commit after every change of revision, with no argument: how the public site
# warms its pages (citystat/public/warm.py). The plan cannot import the apps above it.
after_change: list[Callable[[], None]] = []

# This thread's stamps: `active` (inside a request), `known` ({name: token} read during
# this request), `pending` ({name: token} of its uncommitted changes), `on_commit` ({db
# alias: _OnCommit} waiting for the transaction), `noted` (names changed by a write
# outside a transaction, written at the next read or the request's end).
_request = threading.local()
_local: OrderedDict[str, Any] = OrderedDict()
_local_lock = threading.Lock()
# {stamp name: (monotonic time read, token)}: read with `fresh_for`, trusted that long.
_trusted: dict[str, tuple[float, str]] = {}
_trusted_lock = threading.Lock()


def _state(name: str) -> dict[str, Any]:
    found: dict[str, Any] | None = getattr(_request, name, None)
    if found is None:
        found = {}
        setattr(_request, name, found)
    return found


def _noted() -> set[str]:
    found: set[str] | None = getattr(_request, "noted", None)
    if found is None:
        found = _request.noted = set()
    return found


def read(names: Sequence[str], *, fresh_for: float = 0.0) -> dict[str, str]:
    """Return {name: token} of stamps `names`, in one cache round trip at most.

    Within a request each stamp is read once (then remembered until the request ends);
    with `fresh_for`, one read per that many seconds per process (a poll hundreds of
    viewers make every couple of seconds). A thread with uncommitted changes reads under
    tokens of its own until they commit, so it never sees a page of the rows it changed.
    """
    _write_noted()
    active = getattr(_request, "active", False)
    known = _state("known") if active else {}
    found: dict[str, str] = {}
    now = time.monotonic()
    for name in names:
        if name in known:
            found[name] = known[name]
        elif fresh_for:
            with _trusted_lock:
                trusted = _trusted.get(name)
            if trusted is not None and now - trusted[0] < fresh_for:
                found[name] = trusted[1]
    missing = [name for name in names if name not in found]
    if missing:
        stored = cache.get_many([STAMP_KEY + name for name in missing])
        for name in missing:
            token = stored.get(STAMP_KEY + name)
            if token is None:
                # First reader since the cache was emptied: whoever adds first sets it.
                cache.add(STAMP_KEY + name, uuid.uuid4().hex, None)
                token = cache.get(STAMP_KEY + name) or uuid.uuid4().hex
            found[name] = str(token)
            if active:
                known[name] = found[name]
            if fresh_for:
                with _trusted_lock:
                    _trusted[name] = (now, found[name])
    pending = _state("pending")
    if pending:
        if not transaction.get_connection().in_atomic_block:
            pending.clear()  # outside a transaction, what is pending was rolled back
        for name in names:
            if name in pending:
                found[name] = f"{found[name]}-{pending[name]}"
    return found


def stamp(name: str, *, fresh_for: float = 0.0) -> str:
    """Return stamp `name`'s current token (`read`)."""
    return read([name], fresh_for=fresh_for)[name]


def current() -> str:
    """Return the plan's current revision (one cache read per request at most)."""
    return stamp(PLAN)


def content() -> str:
    """Return the stamp of every other row of the app database (one cache read a request)."""
    return stamp(CONTENT)


def stamps_now(names: Sequence[str]) -> str:
    """Return the tokens of `names`, joined: what a key built on all of them carries."""
    found = read(names)
    return "+".join(found[name] for name in names)


def read_stamps() -> None:
    """Read the plan's revision and the content stamp in one cache round trip, for the
    rest of this request (a page cached under both then costs one read less)."""
    read([PLAN, CONTENT])


def stamp_changed(name: str, using: str = "default") -> None:
    """Record that what stamp `name` covers has changed.

    Outside a transaction the stamp changes at once. Inside one, it changes for every
    process when the transaction commits (before that, they read the old rows, which
    their pages under the old stamp show rightly); the thread that made the change reads
    under a token of its own until then. A rolled-back transaction moves nothing.

    Cheap enough for a signal on every row: one commit callback per transaction, for
    every stamp it changes.
    """
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        bump(name)
        return
    _state("pending")[name] = uuid.uuid4().hex
    waiting: _OnCommit | None = _state("on_commit").get(using)
    if (
        waiting is not None
        and not waiting.ran
        and any(entry[1] is waiting for entry in connection.run_on_commit)
    ):
        waiting.names.add(name)  # this transaction's commit will bump it already
        return
    waiting = _state("on_commit")[using] = _OnCommit({name})
    transaction.on_commit(waiting, using=using)


def changed() -> None:
    """Record that something the plan's pages show has changed (`stamp_changed`); once
    the change is committed, the `after_change` hooks run."""
    stamp_changed(PLAN)


def content_changed(using: str = "default") -> None:
    """Record that a row some page may show was written (on commit, as `stamp_changed`).

    Called from inside the database's execute wrapper, while the statement that wrote is
    not finished. Outside a transaction the new stamp is only noted here and written at
    the next safe moment (the next read of a stamp, or the request's end): writing it
    now would put the database cache's own transaction on the same connection in the
    middle of that statement, which on SQLite rolls the statement's row back.
    """
    if not transaction.get_connection(using).in_atomic_block:
        _noted().add(CONTENT)
        return
    stamp_changed(CONTENT, using)


class _OnCommit:
    """The one commit callback of a transaction (a rolled-back one's is never run)."""

    def __init__(self, names: set[str]) -> None:
        self.ran = False
        self.names = names

    def __call__(self) -> None:
        self.ran = True
        pending = _state("pending")
        for name in self.names:
            pending.pop(name, None)
        bump(*sorted(self.names))


def bump(*names: str) -> None:
    """Give stamps `names` (default: the plan's) new tokens now, in one cache write."""
    names = names or (PLAN,)
    new = {name: uuid.uuid4().hex for name in names}
    try:
        cache.set_many({STAMP_KEY + name: token for name, token in new.items()}, None)
    except DatabaseError:
        if _cache_table_exists():
            raise
        # `migrate` writes rows before it creates the database cache's table: with no
        # table nothing is cached yet, so nothing can be stale.
        return
    now = time.monotonic()
    with _trusted_lock:
        for name in new.keys() & _trusted.keys():
            _trusted[name] = (now, new[name])
    if getattr(_request, "active", False):
        _state("known").update(new)
    if PLAN in new:
        for hook in after_change:
            try:
                hook()
            except Exception:  # a failed warm-up must not fail the change that was committed
                logger.exception("after a plan change: %s failed", getattr(hook, "__name__", hook))


def _cache_table_exists() -> bool:
    config = settings.CACHES["default"]
    if not config.get("BACKEND", "").endswith("DatabaseCache"):
        return True
    return str(config.get("LOCATION")) in connections["default"].introspection.table_names()


def _write_noted() -> None:
    """Write the stamps a write outside a transaction noted (`content_changed`)."""
    noted = getattr(_request, "noted", None)
    if noted:
        names = sorted(noted)
        noted.clear()
        bump(*names)


def forget_stamps() -> None:
    """Drop the tokens this process trusts and this thread's pending ones (tests)."""
    with _trusted_lock:
        _trusted.clear()
    _state("pending").clear()


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
    fresh_for: float | None = None,
) -> T:
    """Return what `build()` returns, cached until the plan's revision or the day changes.

    `key` names what is built (and the language, unless given, is the active one); the
    value must not be None (None is never cached: a miss built again each time).
    `stamps` names the stamps it is cached under instead (module docstring): "plan" for
    the plan's revision, "meetings", "board:<meeting id>".

    `fresh_for` (seconds) is for what also changes with the clock alone (a meeting that
    has ended): an entry older than that is built again, by one request of the whole
    site at a time (stale-while-revalidate with a single flight), while every other one
    keeps getting the entry it replaces; an entry is never returned once it is twice
    that old. A stamp change still makes it unreachable at once, since the stamps stay
    in its key.
    """
    full = cache_key(key, language, stamps=stamps)
    if fresh_for is None:
        return _cached(full, build, timeout)
    return _cached_fresh(full, build, timeout, fresh_for)


def _cached(full: str, build: Callable[[], T], timeout: int) -> T:
    with _local_lock:
        if full in _local:
            _local.move_to_end(full)
            return _local[full]  # type: ignore[no-any-return]
    value: T | None = _read(full)
    if value is None:
        built = build()
        if built is None:
            return built
        cache.set(full, built, timeout)
        value = built
    _keep_local(full, value)
    return value


def _read(full: str) -> Any:
    """Return the shared cache's entry, or None when there is none or it cannot be read.

    An entry is pickled: one written by an older release names the classes of that release,
    and one that has since moved or gone (a module renamed in an upgrade) cannot be
    unpickled. That is a miss to build again, never a page that fails.
    """
    try:
        return cache.get(full)
    except (ImportError, AttributeError, EOFError, pickle.UnpicklingError) as error:
        logger.warning("cache entry %s is from other code (%s); built again", full, error)
        cache.delete(full)
        return None


class _Built(NamedTuple):
    """An entry cached with `fresh_for`: what was built, and when (time.time())."""

    at: float
    value: Any


def _cached_fresh(full: str, build: Callable[[], T], timeout: int, fresh_for: float) -> T:
    now = time.time()
    with _local_lock:
        kept = _local.get(full)
    if isinstance(kept, _Built) and now - kept.at < fresh_for:
        return kept.value  # type: ignore[no-any-return]
    found = _read(full)
    if isinstance(found, _Built) and now - found.at < fresh_for:
        _keep_local(full, found)
        return found.value  # type: ignore[no-any-return]
    if isinstance(found, _Built) and now - found.at < 2 * fresh_for:
        # Stale but within bounds: one request builds it again, the others get this one.
        if not cache.add(full + ":refresh", 1, max(1, math.ceil(fresh_for))):
            _keep_local(full, found)
            return found.value  # type: ignore[no-any-return]
        try:
            return _build_fresh(full, build, timeout)
        finally:
            cache.delete(full + ":refresh")
    return _build_fresh(full, build, timeout)


def _build_fresh(full: str, build: Callable[[], T], timeout: int) -> T:
    at = time.time()
    built = build()
    if built is None:
        return built
    entry = _Built(at, built)
    cache.set(full, entry, timeout)
    _keep_local(full, entry)
    return built


def _keep_local(full: str, value: Any) -> None:
    with _local_lock:
        _local[full] = value
        _local.move_to_end(full)
        while len(_local) > LOCAL_MAX:
            _local.popitem(last=False)


def forget_local() -> None:
    """Drop what this process keeps decoded (tests measuring the shared cache itself)."""
    with _local_lock:
        _local.clear()


def _request_began(**kwargs: Any) -> None:
    _write_noted()
    _request.active = True
    _request.known = {}
    if not transaction.get_connection().in_atomic_block:
        _state("pending").clear()  # a change this thread rolled back left its token behind


def _request_ended(**kwargs: Any) -> None:
    _write_noted()
    _request.active = False
    _request.known = {}


def _changed_row(sender: type, **kwargs: Any) -> None:
    changed()


def _changed_version(sender: type, instance: Any, **kwargs: Any) -> None:
    # A load saves its version many times while it runs; only a publication (or its
    # undoing) changes what readers see.
    if instance.status != DatasetVersion.Status.LOADING:
        changed()


def watch() -> None:
    """Connect the signals that bump the revision (from PlanConfig.ready())."""
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


# --- Stamps of other apps (module docstring: "Other stamps") ------------------------------

# {stamp name (or its family, "board"): [(model label, how a row names its stamp)]}.
_watched: dict[str, list[tuple[str, Callable[[Any], str | None]]]] = {}


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
# every statement that writes a row of the app database changes the "content" stamp, once
# its transaction commits. Only tables no page shows are left out (IGNORED_TABLES and the
# database caches' own tables, which the stamps themselves are written to).

IGNORED_TABLES = frozenset({"django_session", "django_admin_log", "django_migrations"})
# Prefixes of tables no page shows that change on their own schedule: scheduled job
# locks and run records, two-factor devices.
IGNORED_PREFIXES = ("jobs_", "otp_")
# How a writing statement starts (upper-cased): anything else is let through unread.
_WRITE_STARTS = ("INSERT", "UPDATE", "DELETE", "REPLACE", "TRUNCATE")
_WRITE = re.compile(
    r"^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM|REPLACE\s+INTO"
    r"|TRUNCATE(?:\s+TABLE)?)"
    r'\s+[`"\[]?(\w+)',
    re.IGNORECASE,
)


def written_table(sql: str) -> str | None:
    """Return the table a statement writes to, or None for a read (or unknown statement)."""
    # Every statement of every connection comes here: a read costs a slice, not a regex.
    if sql.startswith("SELECT"):
        return None
    head = sql[:8]
    if not head[:1].isspace() and not head.upper().startswith(_WRITE_STARTS):
        return None
    match = _WRITE.match(sql)
    return match.group(1).lower() if match else None


def _ignored_tables() -> frozenset[str]:
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


def watch_writes() -> None:
    """Watch every statement of every database connection for writes (from PlanConfig.ready())."""
    connection_created.connect(_connected, dispatch_uid="plan-content-writes")
    for connection in connections.all(initialized_only=True):
        _connected(None, connection)
