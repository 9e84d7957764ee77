from django.urls import path

from citystat.engagement import feeds
from citystat.engagement.views import intake, priorities, public, staff, subscriptions

app_name = "engagement"

urlpatterns = [
    path("questions/ask/", public.ask, name="ask"),
    path("questions/ask/thanks/", public.ask_thanks, name="ask-thanks"),
    path("questions/", public.answered_questions, name="questions"),
    path("questions/<int:pk>/", public.question, name="question"),
    path("api/questions", intake.api_question, name="api-questions"),
    path("hooks/questions/<slug:source>", intake.webhook_question, name="webhook-questions"),
    path("meetings/<int:meeting_id>/board/", public.board, name="board"),
    path("updates/", public.updates, name="updates"),
    path("updates/feed.atom", feeds.AllUpdatesFeed(), name="updates-feed"),
    path("updates/<slug:slug>/", public.update, name="update"),
    path("feeds/goals/<int:goal_id>.atom", feeds.GoalFeed(), name="goal-feed"),
    path("feeds/meetings.atom", feeds.MeetingsFeed(), name="meetings-feed"),
    path("subscribe/", subscriptions.subscribe, name="subscribe"),
    path("subscribe/sent/", subscriptions.subscribe_sent, name="subscribe-sent"),
    path("subscribe/confirm/<str:token>/", subscriptions.confirm, name="confirm"),
    path("unsubscribe/<str:token>/", subscriptions.unsubscribe, name="unsubscribe"),
    path("priorities/pick/", priorities.pick, name="pick"),
    path("staff/questions/", staff.queue, name="staff-questions"),
    path("staff/questions/<int:pk>/", staff.question, name="staff-question"),
    path("staff/questions/<int:pk>/live/", staff.live, name="staff-question-live"),
    path(
        "staff/meetings/<int:meeting_id>/questions/",
        staff.meeting_board,
        name="staff-meeting-questions",
    ),
    path("staff/updates/", staff.updates, name="staff-updates"),
    path("staff/updates/new/", staff.update_form, name="staff-update-new"),
    path("staff/updates/<int:pk>/", staff.update_form, name="staff-update-edit"),
    path("staff/priorities/", staff.priority_rounds, name="staff-priorities"),
    path("staff/watches/", staff.watches, name="staff-watches"),
    path("staff/watches/new/", staff.watch_form, name="staff-watch-new"),
    path("staff/watches/<int:pk>/", staff.watch_form, name="staff-watch-edit"),
    path("staff/subscribers/bouncing/", staff.mailboxes, name="staff-mailboxes"),
]
