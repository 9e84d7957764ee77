"""Subscribing by email (double opt-in), confirming, and unsubscribing without an account."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from citystat.accounts.ratelimit import too_many_requests
from citystat.engagement import subscriptions
from citystat.engagement.forms import SubscribeForm
from citystat.engagement.models import Subscription
from citystat.engagement.views.limits import form_rate
from citystat.plan.models import Goal, Measure

SUBSCRIBE_PER_IP = (10, 3600)
# Confirmation emails to one address: enough to retry, too few to flood someone's inbox.
SUBSCRIBE_PER_EMAIL = (3, 3600)


def goal_choices() -> list[tuple[str, str]]:
    goals = Goal.objects.filter(priority_area__plan__is_current=True).order_by(
        "priority_area__position", "position"
    )
    return [(str(goal.pk), goal.title) for goal in goals]


def measure_choices() -> list[tuple[str, str]]:
    measures = Measure.objects.filter(
        is_public=True, objective__goal__priority_area__plan__is_current=True
    ).order_by("title")
    return [(str(measure.pk), measure.title) for measure in measures]


def subscribe(request: HttpRequest) -> HttpResponseBase:
    initial = {
        key: request.GET[key]
        for key in ("subject", "neighborhood", "district", "goal", "measure", "delivery")
        if key in request.GET
    }
    form = SubscribeForm(
        request.POST or None, initial=initial, goals=goal_choices(), measures=measure_choices()
    )
    if request.method == "POST":
        decision = form_rate(request, "subscribe", SUBSCRIBE_PER_IP, SUBSCRIBE_PER_EMAIL)
        if not decision.allowed:
            return too_many_requests(request, decision)
        if form.is_valid():
            data = form.cleaned_data
            subscriptions.subscribe(
                data["email"], data["subject"], data["subject_key"], data["delivery"]
            )
            return redirect("engagement:subscribe-sent")
    status = 400 if form.errors else 200
    return render(request, "engagement/subscribe.html", {"form": form}, status=status)


def subscribe_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "engagement/subscribe_sent.html")


@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """Show what the emailed link would confirm (GET changes nothing); its button POSTs.

    Mail scanners and link previews open links, so only the button, protected by CSRF
    like every form, turns the subscription on.
    """
    if request.method == "POST":
        link = subscriptions.confirm(token)
    else:
        link = subscriptions.read_confirm_link(token)
    subscription = link.subscription
    context = {
        "link": link,
        "label": subscriptions.subject_label(subscription) if subscription else "",
        "again": subscriptions.resubscribe_url(subscription)
        if subscription
        else reverse("engagement:subscribe"),
    }
    status = 400 if link.state == subscriptions.LinkState.INVALID else 200
    return render(request, "engagement/confirmed.html", context, status=status)


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
