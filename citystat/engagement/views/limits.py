"""The two limits every public form applies: per IP address, then per email address given."""

from __future__ import annotations

from django.http import HttpRequest

from citystat.accounts.ratelimit import RateDecision, check_rate


def form_rate(
    request: HttpRequest, scope: str, per_ip: tuple[int, int], per_email: tuple[int, int]
) -> RateDecision:
    """Count a form's POST against the IP's limit and, if an email is given, the email's."""
    decision = check_rate(request, scope, *per_ip)
    email = str(request.POST.get("email", "")).strip().lower()
    if decision.allowed and email:
        decision = check_rate(request, f"{scope}-email", *per_email, key=email)
    return decision
