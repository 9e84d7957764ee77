"""Every named URL of the site keeps its path and its meaning (#22, one URLconf per app).

SNAPSHOT was generated from the URLconfs before the residents' site was split into one
URLconf per app: each name, reversed with sample arguments, gives the same path, and that
path resolves back to the same name, the same view and the same fixed arguments. A URL
added later only has to round-trip (reverse, then resolve back to itself); one that
changes or disappears fails here. Django's admin is left out: its names are Django's own
and follow the models registered with it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.converters import IntConverter, SlugConverter

# One sample value per converter kind; any other converter gets the str sample.
SAMPLES: dict[type, Any] = {IntConverter: 7, SlugConverter: "sample-slug"}
STR_SAMPLE = "sample"


def named_patterns(
    patterns: list[Any] | None = None, namespace: str = "", converters: dict | None = None
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (full name, converters of its route) for every named URL outside the admin."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for entry in patterns:
        here = {**(converters or {}), **getattr(entry.pattern, "converters", {})}
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from named_patterns(entry.url_patterns, inner, here)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", here


def sample_kwargs(converters: dict[str, Any]) -> dict[str, Any]:
    return {key: SAMPLES.get(type(conv), STR_SAMPLE) for key, conv in converters.items()}


def dotted(func: Any) -> str:
    """Return the view's dotted name: a class view's class (with a viewset's actions)."""
    cls = getattr(func, "view_class", None) or getattr(func, "cls", None)
    if cls is not None:
        # DRF adds "head" beside "get" at a viewset's first request: not part of the URL.
        actions = {k: v for k, v in (getattr(func, "actions", None) or {}).items() if k != "head"}
        shown = f" {sorted(actions.items())}" if actions else ""
        return f"{cls.__module__}.{cls.__qualname__}{shown}"
    # Feeds are instances, with no __name__ of their own (as public/page_cache.py names them).
    return f"{func.__module__}.{getattr(func, '__name__', type(func).__name__)}"


def describe(name: str, kwargs: dict[str, Any]) -> tuple[str, str, str, dict[str, Any]]:
    """Return (path, name it resolves back to, view's dotted name, fixed arguments)."""
    path = reverse(name, kwargs=kwargs)
    match = resolve(path)
    sent = {key: str(value) for key, value in kwargs.items()}
    fixed = {key: value for key, value in match.kwargs.items() if sent.get(key) != str(value)}
    return path, match.view_name, dotted(match.func), fixed


@functools.cache
def routes() -> dict[str, dict[str, Any]]:
    return dict(named_patterns())


def current() -> dict[str, tuple[str, str, str, dict[str, Any]]]:
    return {
        name: describe(name, sample_kwargs(converters)) for name, converters in routes().items()
    }


SNAPSHOT: dict[str, tuple[str, str, str, dict[str, Any]]] = {
    "accessibility": (
        "/accessibility/",
        "accessibility",
        "citystat.public.views.about.accessibility",
        {},
    ),
    "api-docs": ("/api/docs", "api-docs", "drf_spectacular.views.SpectacularSwaggerSplitView", {}),
    "api-follow-up": (
        "/api/v1/follow-ups/7/",
        "api-follow-up",
        "citystat.api.rest.meetings.FollowUpViews [('get', 'retrieve')]",
        {},
    ),
    "api-follow-ups": (
        "/api/v1/follow-ups/",
        "api-follow-ups",
        "citystat.api.rest.meetings.FollowUpViews [('get', 'list')]",
        {},
    ),
    "api-goal": (
        "/api/v1/goals/7/",
        "api-goal",
        "citystat.api.rest.views.GoalViews [('get', 'retrieve')]",
        {},
    ),
    "api-goals": (
        "/api/v1/goals/",
        "api-goals",
        "citystat.api.rest.views.GoalViews [('get', 'list')]",
        {},
    ),
    "api-measure": (
        "/api/v1/measures/sample-slug/",
        "api-measure",
        "citystat.api.rest.views.MeasureViews [('get', 'retrieve')]",
        {},
    ),
    "api-measure-narrative": (
        "/api/v1/measures/sample-slug/narratives/sample/",
        "api-measure-narrative",
        "citystat.api.rest.views.NarrativeViews [('get', 'retrieve'), ('put', 'update')]",
        {},
    ),
    "api-measure-narratives": (
        "/api/v1/measures/sample-slug/narratives/",
        "api-measure-narratives",
        "citystat.api.rest.views.NarrativeViews [('get', 'list')]",
        {},
    ),
    "api-measure-target": (
        "/api/v1/measures/sample-slug/targets/7/",
        "api-measure-target",
        "citystat.api.rest.views.TargetViews [('put', 'update')]",
        {},
    ),
    "api-measure-targets": (
        "/api/v1/measures/sample-slug/targets/",
        "api-measure-targets",
        "citystat.api.rest.views.TargetViews [('get', 'list')]",
        {},
    ),
    "api-measure-values": (
        "/api/v1/measures/sample-slug/values/",
        "api-measure-values",
        "citystat.api.rest.views.MeasureValueViews [('get', 'list'), ('post', 'create')]",
        {},
    ),
    "api-measures": (
        "/api/v1/measures/",
        "api-measures",
        "citystat.api.rest.views.MeasureViews [('get', 'list')]",
        {},
    ),
    "api-meeting": (
        "/api/v1/meetings/7/",
        "api-meeting",
        "citystat.api.rest.meetings.MeetingViews [('get', 'retrieve')]",
        {},
    ),
    "api-meetings": (
        "/api/v1/meetings/",
        "api-meetings",
        "citystat.api.rest.meetings.MeetingViews [('get', 'list')]",
        {},
    ),
    "api-priority-area": (
        "/api/v1/priority-areas/7/",
        "api-priority-area",
        "citystat.api.rest.views.PriorityAreaViews [('get', 'retrieve')]",
        {},
    ),
    "api-priority-areas": (
        "/api/v1/priority-areas/",
        "api-priority-areas",
        "citystat.api.rest.views.PriorityAreaViews [('get', 'list')]",
        {},
    ),
    "api-schema": ("/api/schema", "api-schema", "drf_spectacular.views.SpectacularAPIView", {}),
    "api-update": (
        "/api/v1/updates/sample-slug/",
        "api-update",
        "citystat.api.rest.meetings.UpdateViews [('get', 'retrieve')]",
        {},
    ),
    "api-updates": (
        "/api/v1/updates/",
        "api-updates",
        "citystat.api.rest.meetings.UpdateViews [('get', 'list')]",
        {},
    ),
    "budget": ("/budget/", "budget", "citystat.surveys.views.budget_explorer", {}),
    "city-logo": ("/city/logo", "city-logo", "citystat.city.views.logo", {}),
    "ckan-action": ("/api/action/sample-slug", "ckan-action", "citystat.api.views.ckan_action", {}),
    "ckan-action-3": (
        "/api/3/action/sample-slug",
        "ckan-action-3",
        "citystat.api.views.ckan_action",
        {},
    ),
    "compare": ("/compare/", "compare", "citystat.peers.views.compare_list", {}),
    "compare-measure": (
        "/compare/sample-slug/",
        "compare-measure",
        "citystat.peers.views.measure_comparison",
        {},
    ),
    "compare-measure-panel": (
        "/compare/sample-slug/panel/",
        "compare-measure-panel",
        "citystat.peers.views.measure_panel",
        {},
    ),
    "data-json": ("/data.json", "data-json", "citystat.api.views.data_json", {}),
    "datapackage": (
        "/downloads/sample-slug/datapackage.json",
        "datapackage",
        "citystat.api.views.datapackage",
        {},
    ),
    "dataset": ("/datasets/sample-slug/", "dataset", "citystat.api.dataset_pages.dataset_page", {}),
    "datasets": ("/datasets/", "datasets", "citystat.catalog.views.public.dataset_list", {}),
    "discovery": ("/api/catalog/v1", "discovery", "citystat.api.views.catalog_search", {}),
    "district": (
        "/districts/sample-slug/",
        "district",
        "citystat.public.views.places.place_page",
        {"kind": "district"},
    ),
    "district-feed": (
        "/districts/sample-slug/feed.atom",
        "district-feed",
        "citystat.public.views.places.place_feed",
        {"kind": "district"},
    ),
    "download": ("/downloads/sample-slug.sample", "download", "citystat.api.views.download", {}),
    "engagement:api-questions": (
        "/api/questions",
        "engagement:api-questions",
        "citystat.engagement.views.intake.api_question",
        {},
    ),
    "engagement:ask": (
        "/questions/ask/",
        "engagement:ask",
        "citystat.engagement.views.public.ask",
        {},
    ),
    "engagement:ask-thanks": (
        "/questions/ask/thanks/",
        "engagement:ask-thanks",
        "citystat.engagement.views.public.ask_thanks",
        {},
    ),
    "engagement:board": (
        "/meetings/7/board/",
        "engagement:board",
        "citystat.engagement.views.public.board",
        {},
    ),
    "engagement:confirm": (
        "/subscribe/confirm/sample/",
        "engagement:confirm",
        "citystat.engagement.views.subscriptions.confirm",
        {},
    ),
    "engagement:goal-feed": (
        "/feeds/goals/7.atom",
        "engagement:goal-feed",
        "citystat.engagement.feeds.GoalFeed",
        {},
    ),
    "engagement:meetings-feed": (
        "/feeds/meetings.atom",
        "engagement:meetings-feed",
        "citystat.engagement.feeds.MeetingsFeed",
        {},
    ),
    "engagement:pick": (
        "/priorities/pick/",
        "engagement:pick",
        "citystat.engagement.views.priorities.pick",
        {},
    ),
    "engagement:question": (
        "/questions/7/",
        "engagement:question",
        "citystat.engagement.views.public.question",
        {},
    ),
    "engagement:questions": (
        "/questions/",
        "engagement:questions",
        "citystat.engagement.views.public.answered_questions",
        {},
    ),
    "engagement:staff-mailboxes": (
        "/staff/subscribers/bouncing/",
        "engagement:staff-mailboxes",
        "citystat.engagement.views.staff.mailboxes",
        {},
    ),
    "engagement:staff-meeting-questions": (
        "/staff/meetings/7/questions/",
        "engagement:staff-meeting-questions",
        "citystat.engagement.views.staff.meeting_board",
        {},
    ),
    "engagement:staff-priorities": (
        "/staff/priorities/",
        "engagement:staff-priorities",
        "citystat.engagement.views.staff.priority_rounds",
        {},
    ),
    "engagement:staff-question": (
        "/staff/questions/7/",
        "engagement:staff-question",
        "citystat.engagement.views.staff.question",
        {},
    ),
    "engagement:staff-question-live": (
        "/staff/questions/7/live/",
        "engagement:staff-question-live",
        "citystat.engagement.views.staff.live",
        {},
    ),
    "engagement:staff-questions": (
        "/staff/questions/",
        "engagement:staff-questions",
        "citystat.engagement.views.staff.queue",
        {},
    ),
    "engagement:staff-update-edit": (
        "/staff/updates/7/",
        "engagement:staff-update-edit",
        "citystat.engagement.views.staff.update_form",
        {},
    ),
    "engagement:staff-update-new": (
        "/staff/updates/new/",
        "engagement:staff-update-new",
        "citystat.engagement.views.staff.update_form",
        {},
    ),
    "engagement:staff-updates": (
        "/staff/updates/",
        "engagement:staff-updates",
        "citystat.engagement.views.staff.updates",
        {},
    ),
    "engagement:staff-watch-edit": (
        "/staff/watches/7/",
        "engagement:staff-watch-edit",
        "citystat.engagement.views.staff.watch_form",
        {},
    ),
    "engagement:staff-watch-new": (
        "/staff/watches/new/",
        "engagement:staff-watch-new",
        "citystat.engagement.views.staff.watch_form",
        {},
    ),
    "engagement:staff-watches": (
        "/staff/watches/",
        "engagement:staff-watches",
        "citystat.engagement.views.staff.watches",
        {},
    ),
    "engagement:subscribe": (
        "/subscribe/",
        "engagement:subscribe",
        "citystat.engagement.views.subscriptions.subscribe",
        {},
    ),
    "engagement:subscribe-sent": (
        "/subscribe/sent/",
        "engagement:subscribe-sent",
        "citystat.engagement.views.subscriptions.subscribe_sent",
        {},
    ),
    "engagement:unsubscribe": (
        "/unsubscribe/sample/",
        "engagement:unsubscribe",
        "citystat.engagement.views.subscriptions.unsubscribe",
        {},
    ),
    "engagement:update": (
        "/updates/sample-slug/",
        "engagement:update",
        "citystat.engagement.views.public.update",
        {},
    ),
    "engagement:updates": (
        "/updates/",
        "engagement:updates",
        "citystat.engagement.views.public.updates",
        {},
    ),
    "engagement:updates-feed": (
        "/updates/feed.atom",
        "engagement:updates-feed",
        "citystat.engagement.feeds.AllUpdatesFeed",
        {},
    ),
    "engagement:webhook-questions": (
        "/hooks/questions/sample-slug",
        "engagement:webhook-questions",
        "citystat.engagement.views.intake.webhook_question",
        {},
    ),
    "glossary": ("/glossary/", "glossary", "citystat.public.views.about.glossary", {}),
    "goal": ("/goals/sample/", "goal", "citystat.public.views.plan.goal", {}),
    "headline-measures": (
        "/headline-measures/",
        "headline-measures",
        "citystat.public.views.plan.headline_measures",
        {},
    ),
    "healthz": ("/healthz", "healthz", "citystat.ops.views.healthz", {}),
    "home": ("/", "home", "citystat.public.views.plan.home", {}),
    "how-we-measure": (
        "/how-we-measure/",
        "how-we-measure",
        "citystat.public.views.method.how_we_measure",
        {},
    ),
    "measure": ("/measures/sample/", "measure", "citystat.public.views.plan.measure", {}),
    "measure-card": (
        "/measures/sample/card.png",
        "measure-card",
        "citystat.public.views.plan.measure_card_png",
        {},
    ),
    "measure-embed": (
        "/embed/measures/sample/",
        "measure-embed",
        "citystat.public.views.plan.measure_embed",
        {},
    ),
    "measure-values-csv": (
        "/measures/sample/values.csv",
        "measure-values-csv",
        "citystat.public.views.plan.measure_values",
        {"fmt": "csv"},
    ),
    "measure-values-json": (
        "/measures/sample/values.json",
        "measure-values-json",
        "citystat.public.views.plan.measure_values",
        {"fmt": "json"},
    ),
    "meetings:calendar": (
        "/meetings/",
        "meetings:calendar",
        "citystat.meetings.views.public.calendar",
        {},
    ),
    "meetings:calendar-ics": (
        "/meetings/calendar.ics",
        "meetings:calendar-ics",
        "citystat.meetings.views.feeds.calendar_ics",
        {},
    ),
    "meetings:meeting": (
        "/meetings/7/",
        "meetings:meeting",
        "citystat.meetings.views.public.meeting_page",
        {},
    ),
    "meetings:meeting-briefing": (
        "/meetings/7/briefing/",
        "meetings:meeting-briefing",
        "citystat.meetings.views.briefing.briefing_page",
        {},
    ),
    "meetings:meeting-briefing-pdf": (
        "/meetings/7/briefing.pdf",
        "meetings:meeting-briefing-pdf",
        "citystat.meetings.views.briefing.briefing_download",
        {},
    ),
    "meetings:meeting-ics": (
        "/meetings/7.ics",
        "meetings:meeting-ics",
        "citystat.meetings.views.feeds.meeting_ics",
        {},
    ),
    "meetings:meeting-memo-text": (
        "/meetings/7/memo.txt",
        "meetings:meeting-memo-text",
        "citystat.meetings.views.public.memo_text",
        {},
    ),
    "meetings:series-ics": (
        "/meetings/series/sample-slug.ics",
        "meetings:series-ics",
        "citystat.meetings.views.feeds.series_ics",
        {},
    ),
    "meetings:staff-agenda-item": (
        "/staff/meetings/7/items/7/sample/",
        "meetings:staff-agenda-item",
        "citystat.meetings.views.staff.agenda_item_change",
        {},
    ),
    "meetings:staff-agenda-item-add": (
        "/staff/meetings/7/items/",
        "meetings:staff-agenda-item-add",
        "citystat.meetings.views.staff.agenda_item_add",
        {},
    ),
    "meetings:staff-attendee-add": (
        "/staff/meetings/7/attendees/",
        "meetings:staff-attendee-add",
        "citystat.meetings.views.staff.attendee_add",
        {},
    ),
    "meetings:staff-attendee-remove": (
        "/staff/meetings/7/attendees/7/remove/",
        "meetings:staff-attendee-remove",
        "citystat.meetings.views.staff.attendee_remove",
        {},
    ),
    "meetings:staff-follow-up": (
        "/staff/follow-ups/7/",
        "meetings:staff-follow-up",
        "citystat.meetings.views.followups.follow_up_detail",
        {},
    ),
    "meetings:staff-follow-up-capture": (
        "/staff/meetings/7/follow-ups/",
        "meetings:staff-follow-up-capture",
        "citystat.meetings.views.followups.capture",
        {},
    ),
    "meetings:staff-follow-up-comment": (
        "/staff/follow-ups/7/comments/",
        "meetings:staff-follow-up-comment",
        "citystat.meetings.views.followups.follow_up_comment",
        {},
    ),
    "meetings:staff-follow-up-status": (
        "/staff/follow-ups/7/status/",
        "meetings:staff-follow-up-status",
        "citystat.meetings.views.followups.follow_up_status",
        {},
    ),
    "meetings:staff-follow-ups": (
        "/staff/follow-ups/",
        "meetings:staff-follow-ups",
        "citystat.meetings.views.followups.follow_up_list",
        {},
    ),
    "meetings:staff-meeting": (
        "/staff/meetings/7/",
        "meetings:staff-meeting",
        "citystat.meetings.views.staff.meeting_detail",
        {},
    ),
    "meetings:staff-meeting-advance": (
        "/staff/meetings/7/screen/advance/",
        "meetings:staff-meeting-advance",
        "citystat.meetings.views.screen.meeting_advance",
        {},
    ),
    "meetings:staff-meeting-agenda": (
        "/staff/meetings/7/agenda/sample/",
        "meetings:staff-meeting-agenda",
        "citystat.meetings.views.staff.agenda_action",
        {},
    ),
    "meetings:staff-meeting-cancel": (
        "/staff/meetings/7/cancel/",
        "meetings:staff-meeting-cancel",
        "citystat.meetings.views.staff.meeting_cancel",
        {},
    ),
    "meetings:staff-meeting-held": (
        "/staff/meetings/7/held/",
        "meetings:staff-meeting-held",
        "citystat.meetings.views.staff.meeting_held",
        {},
    ),
    "meetings:staff-meeting-new": (
        "/staff/meetings/new/",
        "meetings:staff-meeting-new",
        "citystat.meetings.views.staff.meeting_new",
        {},
    ),
    "meetings:staff-meeting-screen": (
        "/staff/meetings/7/screen/",
        "meetings:staff-meeting-screen",
        "citystat.meetings.views.screen.meeting_screen",
        {},
    ),
    "meetings:staff-meetings": (
        "/staff/meetings/",
        "meetings:staff-meetings",
        "citystat.meetings.views.staff.meeting_list",
        {},
    ),
    "meetings:staff-series": (
        "/staff/meeting-series/sample-slug/",
        "meetings:staff-series",
        "citystat.meetings.views.staff.series_edit",
        {},
    ),
    "meetings:staff-series-generate": (
        "/staff/meeting-series/generate/",
        "meetings:staff-series-generate",
        "citystat.meetings.views.staff.series_generate",
        {},
    ),
    "meetings:staff-series-new": (
        "/staff/meeting-series/new/",
        "meetings:staff-series-new",
        "citystat.meetings.views.staff.series_new",
        {},
    ),
    "metrics": ("/metrics", "metrics", "citystat.ops.views.metrics", {}),
    "near-me": ("/near-me/", "near-me", "citystat.public.views.places.near_me", {}),
    "neighborhood": (
        "/neighborhoods/sample-slug/",
        "neighborhood",
        "citystat.public.views.places.place_page",
        {"kind": "neighborhood"},
    ),
    "neighborhood-feed": (
        "/neighborhoods/sample-slug/feed.atom",
        "neighborhood-feed",
        "citystat.public.views.places.place_feed",
        {"kind": "neighborhood"},
    ),
    "neighborhoods": (
        "/neighborhoods/",
        "neighborhoods",
        "citystat.public.views.places.neighborhood_list",
        {},
    ),
    "open311-discovery": (
        "/open311/v2/discovery.sample",
        "open311-discovery",
        "citystat.api.views.open311_discovery",
        {},
    ),
    "open311-request": (
        "/open311/v2/requests/sample-slug.sample",
        "open311-request",
        "citystat.api.views.open311_request",
        {},
    ),
    "open311-requests": (
        "/open311/v2/requests.sample",
        "open311-requests",
        "citystat.api.views.open311_requests",
        {},
    ),
    "open311-service": (
        "/open311/v2/services/sample-slug.sample",
        "open311-service",
        "citystat.api.views.open311_service",
        {},
    ),
    "open311-services": (
        "/open311/v2/services.sample",
        "open311-services",
        "citystat.api.views.open311_services",
        {},
    ),
    "pick-results": (
        "/priorities/pick/results/",
        "pick-results",
        "citystat.public.views.plan.pick_results",
        {},
    ),
    "priority-area": (
        "/priorities/sample/",
        "priority-area",
        "citystat.public.views.plan.priority_area",
        {},
    ),
    "priority-areas": (
        "/priorities/",
        "priority-areas",
        "citystat.public.views.plan.priority_areas",
        {},
    ),
    "public-export": (
        "/exports/sample/sample-slug.sample",
        "public-export",
        "citystat.reports.views.public_export",
        {},
    ),
    "readyz": ("/readyz", "readyz", "citystat.ops.views.readyz", {}),
    "search": ("/search/", "search", "citystat.public.views.search.search_page", {}),
    "service": ("/services/sample-slug/", "service", "citystat.surveys.views.service_detail", {}),
    "services": ("/services/", "services", "citystat.surveys.views.service_list", {}),
    "set_language": ("/i18n/setlang/", "set_language", "django.views.i18n.set_language", {}),
    "soda-resource-csv": (
        "/resource/sample-slug.csv",
        "soda-resource-csv",
        "citystat.api.views.resource",
        {"extension": "csv"},
    ),
    "soda-resource-geojson": (
        "/resource/sample-slug.geojson",
        "soda-resource-geojson",
        "citystat.api.views.resource",
        {"extension": "geojson"},
    ),
    "soda-resource-json": (
        "/resource/sample-slug.json",
        "soda-resource-json",
        "citystat.api.views.resource",
        {"extension": "json"},
    ),
    "soda-rows-csv": (
        "/api/views/sample-slug/rows.csv",
        "soda-rows-csv",
        "citystat.api.views.rows_csv",
        {},
    ),
    "soda-rows-json": (
        "/api/views/sample-slug/rows.json",
        "soda-rows-json",
        "citystat.api.views.rows_json",
        {},
    ),
    "soda-view": ("/api/views/sample-slug.json", "soda-view", "citystat.api.views.view", {}),
    "soda3-export": (
        "/api/v3/views/sample-slug/export.csv",
        "soda3-export",
        "citystat.api.views.soda3",
        {"extension": "csv"},
    ),
    "soda3-query": (
        "/api/v3/views/sample-slug/query.json",
        "soda3-query",
        "citystat.api.views.soda3",
        {"extension": "json"},
    ),
    "staff-api-token-revoke": (
        "/staff/api-tokens/7/revoke/",
        "staff-api-token-revoke",
        "citystat.accounts.views.tokens.token_revoke",
        {},
    ),
    "staff-api-tokens": (
        "/staff/api-tokens/",
        "staff-api-tokens",
        "citystat.accounts.views.tokens.token_list",
        {},
    ),
    "staff-audit": ("/staff/audit/", "staff-audit", "citystat.accounts.views.audit.audit_log", {}),
    "staff-audit-export": (
        "/staff/audit.csv",
        "staff-audit-export",
        "citystat.accounts.views.audit.audit_export",
        {},
    ),
    "staff-dataset": (
        "/staff/datasets/sample-slug/",
        "staff-dataset",
        "citystat.catalog.views.staff.dataset_detail",
        {},
    ),
    "staff-dataset-edit": (
        "/staff/datasets/sample-slug/edit/",
        "staff-dataset-edit",
        "citystat.catalog.views.staff.edit_dataset",
        {},
    ),
    "staff-dataset-load-now": (
        "/staff/datasets/sample-slug/load-now/",
        "staff-dataset-load-now",
        "citystat.catalog.views.staff.load_now",
        {},
    ),
    "staff-dataset-new": (
        "/staff/datasets/new/",
        "staff-dataset-new",
        "citystat.catalog.views.staff.new_dataset",
        {},
    ),
    "staff-dataset-publicity": (
        "/staff/datasets/sample-slug/public/",
        "staff-dataset-publicity",
        "citystat.catalog.views.staff.dataset_publicity",
        {},
    ),
    "staff-dataset-rollback": (
        "/staff/datasets/sample-slug/versions/7/publish/",
        "staff-dataset-rollback",
        "citystat.catalog.views.staff.rollback_to",
        {},
    ),
    "staff-dataset-upload": (
        "/staff/datasets/sample-slug/upload/",
        "staff-dataset-upload",
        "citystat.catalog.views.staff.upload",
        {},
    ),
    "staff-datasets": (
        "/staff/datasets/",
        "staff-datasets",
        "citystat.catalog.views.staff.dataset_list",
        {},
    ),
    "staff-home": ("/staff/", "staff-home", "citystat.accounts.views.workspace.home", {}),
    "staff-invitation-accept": (
        "/staff/invitations/sample/",
        "staff-invitation-accept",
        "citystat.accounts.views.invitations.accept_invitation",
        {},
    ),
    "staff-invitations": (
        "/staff/invitations/",
        "staff-invitations",
        "citystat.accounts.views.invitations.invitation_list",
        {},
    ),
    "staff-login": ("/staff/login/", "staff-login", "citystat.accounts.views.signin.sign_in", {}),
    "staff-logout": (
        "/staff/logout/",
        "staff-logout",
        "citystat.accounts.views.signin.sign_out",
        {},
    ),
    "staff-measure": (
        "/staff/measures/sample-slug/",
        "staff-measure",
        "citystat.plan.views.measure_detail",
        {},
    ),
    "staff-measure-narrative": (
        "/staff/measures/sample-slug/narrative/",
        "staff-measure-narrative",
        "citystat.plan.views.save_narrative",
        {},
    ),
    "staff-measure-target": (
        "/staff/measures/sample-slug/targets/",
        "staff-measure-target",
        "citystat.plan.views.save_target",
        {},
    ),
    "staff-measure-values": (
        "/staff/measures/sample-slug/values/",
        "staff-measure-values",
        "citystat.plan.views.add_values",
        {},
    ),
    "staff-measures": (
        "/staff/measures/",
        "staff-measures",
        "citystat.plan.views.measure_list",
        {},
    ),
    "staff-measures-bulk": (
        "/staff/bulk/measures/",
        "staff-measures-bulk",
        "citystat.plan.bulk_views.bulk_change",
        {},
    ),
    "staff-measures-values-upload": (
        "/staff/bulk/values/",
        "staff-measures-values-upload",
        "citystat.plan.bulk_views.values_upload",
        {},
    ),
    "staff-narrative-review": (
        "/staff/measures/sample-slug/narratives/sample/review/",
        "staff-narrative-review",
        "citystat.plan.views.review_narrative",
        {},
    ),
    "staff-password-reset": (
        "/staff/password-reset/",
        "staff-password-reset",
        "citystat.accounts.views.signin.password_reset",
        {},
    ),
    "staff-password-reset-confirm": (
        "/staff/reset/sample/sample/",
        "staff-password-reset-confirm",
        "citystat.accounts.views.signin.password_reset_confirm",
        {},
    ),
    "staff-password-reset-done": (
        "/staff/reset/done/",
        "staff-password-reset-done",
        "django.contrib.auth.views.PasswordResetCompleteView",
        {},
    ),
    "staff-password-reset-sent": (
        "/staff/password-reset/sent/",
        "staff-password-reset-sent",
        "django.contrib.auth.views.PasswordResetDoneView",
        {},
    ),
    "staff-plan": ("/staff/plan/", "staff-plan", "citystat.plan.editor_views.plan_editor", {}),
    "staff-plan-area": (
        "/staff/plan/areas/7/",
        "staff-plan-area",
        "citystat.plan.editor_views.area_edit",
        {},
    ),
    "staff-plan-area-move": (
        "/staff/plan/area/7/move/",
        "staff-plan-area-move",
        "citystat.plan.editor_views.move",
        {},
    ),
    "staff-plan-area-new": (
        "/staff/plan/areas/new/",
        "staff-plan-area-new",
        "citystat.plan.editor_views.area_new",
        {},
    ),
    "staff-plan-area-retire": (
        "/staff/plan/area/7/retire/",
        "staff-plan-area-retire",
        "citystat.plan.editor_views.retire",
        {},
    ),
    "staff-plan-builder": (
        "/staff/plan/builder/",
        "staff-plan-builder",
        "citystat.plan.editor_views.builder",
        {},
    ),
    "staff-plan-goal": (
        "/staff/plan/goals/sample-slug/sample-slug/",
        "staff-plan-goal",
        "citystat.plan.editor_views.goal_edit",
        {},
    ),
    "staff-plan-goal-move": (
        "/staff/plan/goal/7/move/",
        "staff-plan-goal-move",
        "citystat.plan.editor_views.move",
        {},
    ),
    "staff-plan-goal-narrative-review": (
        "/staff/plan/goals/sample-slug/sample-slug/narratives/sample/review/",
        "staff-plan-goal-narrative-review",
        "citystat.plan.goal_narrative_views.goal_narrative_review",
        {},
    ),
    "staff-plan-goal-narratives": (
        "/staff/plan/goals/sample-slug/sample-slug/narratives/",
        "staff-plan-goal-narratives",
        "citystat.plan.goal_narrative_views.goal_narratives",
        {},
    ),
    "staff-plan-goal-new": (
        "/staff/plan/areas/7/goals/new/",
        "staff-plan-goal-new",
        "citystat.plan.editor_views.goal_new",
        {},
    ),
    "staff-plan-goal-retire": (
        "/staff/plan/goal/7/retire/",
        "staff-plan-goal-retire",
        "citystat.plan.editor_views.retire",
        {},
    ),
    "staff-plan-measure": (
        "/staff/plan/measures/sample-slug/",
        "staff-plan-measure",
        "citystat.plan.editor_views.measure_edit",
        {},
    ),
    "staff-plan-measure-move": (
        "/staff/plan/measure/7/move/",
        "staff-plan-measure-move",
        "citystat.plan.editor_views.move",
        {},
    ),
    "staff-plan-measure-new": (
        "/staff/plan/objectives/7/measures/new/",
        "staff-plan-measure-new",
        "citystat.plan.editor_views.measure_new",
        {},
    ),
    "staff-plan-measure-retire": (
        "/staff/plan/measure/7/retire/",
        "staff-plan-measure-retire",
        "citystat.plan.editor_views.retire",
        {},
    ),
    "staff-plan-objective": (
        "/staff/plan/objectives/7/",
        "staff-plan-objective",
        "citystat.plan.editor_views.objective_edit",
        {},
    ),
    "staff-plan-objective-move": (
        "/staff/plan/objective/7/move/",
        "staff-plan-objective-move",
        "citystat.plan.editor_views.move",
        {},
    ),
    "staff-plan-objective-new": (
        "/staff/plan/goals/sample-slug/sample-slug/objectives/new/",
        "staff-plan-objective-new",
        "citystat.plan.editor_views.objective_new",
        {},
    ),
    "staff-plan-objective-retire": (
        "/staff/plan/objective/7/retire/",
        "staff-plan-objective-retire",
        "citystat.plan.editor_views.retire",
        {},
    ),
    "staff-plan-strategy": (
        "/staff/plan/strategies/7/",
        "staff-plan-strategy",
        "citystat.plan.editor_views.strategy_edit",
        {},
    ),
    "staff-plan-strategy-move": (
        "/staff/plan/strategy/7/move/",
        "staff-plan-strategy-move",
        "citystat.plan.editor_views.move",
        {},
    ),
    "staff-plan-strategy-new": (
        "/staff/plan/goals/sample-slug/sample-slug/strategies/new/",
        "staff-plan-strategy-new",
        "citystat.plan.editor_views.strategy_new",
        {},
    ),
    "staff-plan-strategy-retire": (
        "/staff/plan/strategy/7/retire/",
        "staff-plan-strategy-retire",
        "citystat.plan.editor_views.retire",
        {},
    ),
    "staff-report-download": (
        "/staff/reports/download/",
        "staff-report-download",
        "citystat.reports.views.staff_report_download",
        {},
    ),
    "staff-reporting": (
        "/staff/reporting/",
        "staff-reporting",
        "citystat.plan.views.reporting",
        {},
    ),
    "staff-reports": (
        "/staff/reports/",
        "staff-reports",
        "citystat.reports.views.staff_reports",
        {},
    ),
    "staff-survey": (
        "/staff/surveys/sample-slug/",
        "staff-survey",
        "citystat.surveys.views.staff_survey",
        {},
    ),
    "staff-two-factor": (
        "/staff/two-factor/",
        "staff-two-factor",
        "citystat.accounts.views.signin.two_factor",
        {},
    ),
    "staff-two-factor-enrol": (
        "/staff/two-factor/enrol/sample/",
        "staff-two-factor-enrol",
        "citystat.accounts.views.signin.enrol_two_factor",
        {},
    ),
    "survey": ("/surveys/sample-slug/", "survey", "citystat.surveys.views.survey_detail", {}),
    "surveys": ("/surveys/", "surveys", "citystat.surveys.views.survey_list", {}),
    "switch_language": (
        "/language/",
        "switch_language",
        "citystat.public.views.about.switch_language",
        {},
    ),
}


@pytest.mark.parametrize("name", sorted(SNAPSHOT))
def test_every_url_keeps_its_path_view_and_arguments(name):
    assert name in routes(), f"the URL named {name} is gone"
    assert describe(name, sample_kwargs(routes()[name])) == SNAPSHOT[name]


def test_every_url_resolves_back_to_its_own_name():
    for name, (_path, resolved_name, _view, _fixed) in current().items():
        assert resolved_name == name, f"{name}'s path is answered by {resolved_name}"


@pytest.mark.parametrize(
    ("path", "name"),
    [
        # Engagement's ballot, not the priority area slugged "pick".
        ("/priorities/pick/", "engagement:pick"),
        ("/priorities/pick/results/", "pick-results"),
        ("/priorities/public-safety/", "priority-area"),
        ("/priorities/picking/", "priority-area"),
        ("/priorities/", "priority-areas"),
        # A measure named like a file of its own still reaches the measure's page.
        ("/measures/card.png/", "measure"),
        ("/staff/", "staff-home"),
        ("/staff/measures/bulk/", "staff-measure"),
        ("/staff/bulk/measures/", "staff-measures-bulk"),
    ],
)
def test_paths_whose_meaning_depends_on_order(path, name):
    assert resolve(path).view_name == name


def test_error_handlers():
    resolver = get_resolver()
    assert dotted(resolver.resolve_error_handler(404)) == HANDLERS[404]
    assert dotted(resolver.resolve_error_handler(500)) == HANDLERS[500]


HANDLERS: dict[int, str] = {
    404: "citystat.public.views.errors.page_not_found",
    500: "citystat.public.views.errors.server_error",
}
