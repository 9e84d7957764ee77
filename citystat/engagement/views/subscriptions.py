"""Subscribing by email (double opt-in), confirming, and unsubscribing without an account."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt

from citystat.accounts.ratelimit import too_many_requests
from citystat.engagement import subscriptions
from citystat.engagement.forms import SubscribeForm
from citystat.engagement.models import Subscription
from citystat.engagement.views.limits import form_rate

SUBSCRIBE_PER_IP = (10, 3600)
# Confirmation emails to one address: enough to retry, too few to flood someone's inbox.
SUBSCRIBE_PER_EMAIL = (3, 3600)


def goal_choices() -> list[tuple[str, str]]:
    from citystat.plan.models import Goal

    goals = Goal.objects.filter(priority_area__plan__is_current=True).order_by(
        "priority_area__position", "position"
    )
    return [(str(goal.pk), goal.title) for goal in goals]


def subscribe(request: HttpRequest) -> HttpResponseBase:
    initial = {
        key: request.GET[key]
        for key in ("subject", "neighborhood", "district", "goal")
        if key in request.GET
    }
    form = SubscribeForm(request.POST or None, initial=initial, goals=goal_choices())
    if request.method == "POST":
        decision = form_rate(request, "subscribe", SUBSCRIBE_PER_IP, SUBSCRIBE_PER_EMAIL)
        if not decision.allowed:
            return too_many_requests(request, decision)
        if form.is_valid():
            data = form.cleaned_data
            subscriptions.subscribe(data["email"], data["subject"], data["subject_key"])
            return redirect("engagement:subscribe-sent")
    status = 400 if form.errors else 200
    return render(request, "engagement/subscribe.html", {"form": form}, status=status)


def subscribe_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "engagement/subscribe_sent.html")


def confirm(request: HttpRequest, token: str) -> HttpResponse:
    subscription = subscriptions.confirm(token)
    context = {
        "subscription": subscription,
        "label": subscriptions.subject_label(subscription) if subscription else "",
    }
    return render(
        request, "engagement/confirmed.html", context, status=200 if subscription else 400
    )


@csrf_exempt
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """Unsubscribe in one click: the link (GET) or a mail program's one-click POST (RFC 8058).

    The signed token is the authority, so this needs neither a session nor a CSRF token.
    """
    email = subscriptions.unsubscribe(token)
    remaining = 0
    if email:
        remaining = Subscription.objects.filter(email=email, unsubscribed_at__isnull=True).count()
    context = {"done": email is not None, "remaining": remaining}
    return render(request, "engagement/unsubscribed.html", context, status=200 if email else 400)
