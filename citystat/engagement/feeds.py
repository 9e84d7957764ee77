"""Atom feeds (RFC 4287): all updates, one per goal, and the meeting calendar.

Each neighborhood and district has its feed on its own page (citystat/public/places.py),
which reads `queries.recent_updates`.

Django's feed framework escapes every title and summary, so what staff typed can never
become markup in a feed reader; no feed names a person or an email address.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.syndication.views import Feed
from django.db.models import Q
from django.http import Http404, HttpRequest
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from citystat.city.models import CityProfile
from citystat.engagement.models import Update
from citystat.engagement.queries import published_updates
from citystat.meetings.queries import upcoming_meetings
from citystat.plan.models import Goal

ITEMS = 30


# Django's Feed takes its type argument only in the stubs: the class cannot be
# subscripted at run time (see catalog/admin.py).
class AllUpdatesFeed(Feed):  # type: ignore[type-arg]
    feed_type = Atom1Feed
    link = "/updates/"

    def title(self, obj: Any = None) -> str:
        return _("%(city)s: updates") % {"city": CityProfile.current().name}

    def subtitle(self, obj: Any = None) -> str:
        return _("Short updates from the city, with the data behind them.")

    def updates(self, obj: Any) -> Any:
        return published_updates()

    def items(self, obj: Any = None) -> list[Update]:
        return list(self.updates(obj).distinct().order_by("-published_at")[:ITEMS])

    def item_title(self, item: Update) -> str:
        return item.title

    def item_description(self, item: Update) -> str:
        return item.body

    def item_link(self, item: Update) -> str:
        return item.get_absolute_url()

    def item_pubdate(self, item: Update) -> dt.datetime | None:
        return item.published_at

    def item_updateddate(self, item: Update) -> dt.datetime:
        return item.updated_at


class GoalFeed(AllUpdatesFeed):
    def get_object(self, request: HttpRequest, goal_id: int) -> Goal:  # type: ignore[override]

        goal = Goal.objects.filter(pk=goal_id).first()
        if goal is None:
            raise Http404("No such goal")
        return goal

    def title(self, obj: Any = None) -> str:
        return _("Updates about %(goal)s") % {"goal": obj.title}

    def updates(self, obj: Any) -> Any:
        return published_updates().filter(Q(goal=obj) | Q(measure__objective__goal=obj))


class MeetingsFeed(Feed):  # type: ignore[type-arg]
    """The meeting calendar as a feed: coming meetings, soonest first."""

    feed_type = Atom1Feed
    link = "/meetings/"

    def title(self) -> str:
        return _("%(city)s: stat meetings") % {"city": CityProfile.current().name}

    def items(self) -> list[Any]:
        return upcoming_meetings(limit=ITEMS)

    def item_title(self, item: Any) -> str:
        return str(item)

    def item_description(self, item: Any) -> str:
        area = item.priority_area.title if item.priority_area else ""
        return " · ".join(part for part in (area, item.location) if part)

    def item_link(self, item: Any) -> str:
        return item.get_absolute_url()

    def item_pubdate(self, item: Any) -> dt.datetime:
        return item.created_at

    def item_updateddate(self, item: Any) -> dt.datetime:
        return item.updated_at
