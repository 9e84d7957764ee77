"""Sign-in, two-factor (and enrolling by an emailed link), sign-out, password reset and
the CSRF refusal page."""

from __future__ import annotations

import base64
import hashlib
import logging
import math
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.utils.functional import lazy
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from citystat.accounts import enrolment, signin
from citystat.accounts.context import client_ip
from citystat.accounts.decorators import staff_public
from citystat.accounts.forms import SignInForm, TokenForm
from citystat.accounts.ratelimit import check_rate
from citystat.accounts.roles import requires_two_factor
from citystat.accounts.throttle import code_locked_until

logger = logging.getLogger("citystat.security")


def locked_message(outcome: signin.Outcome) -> str:
    assert outcome.locked_until is not None
    minutes = signin.minutes_until(outcome.locked_until)
    return f"Too many attempts. Try again in {minutes} minute{'s' if minutes != 1 else ''}."


@staff_public
@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    next_url = signin.safe_next(request)
    form = SignInForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        outcome = signin.check_password(request, data["username"], data["password"])
        if outcome.locked_until is not None:
            form.add_error(None, locked_message(outcome))
            status = 429
        elif outcome.user is None:
            form.add_error(None, "That username and password do not match an active account.")
            status = 400
        elif outcome.needs_token:
            signin.hold_for_token(request, outcome.user)
            return HttpResponseRedirect(f"/staff/two-factor/?{urlencode({'next': next_url})}")
        elif outcome.needs_enrolment:
            return enrolment_link_sent(request, outcome.user)
        else:
            login(request, outcome.user)
            return HttpResponseRedirect(next_url)
    elif request.method == "POST":
        status = 400
    return render(request, "staff/sign_in.html", {"form": form, "next": next_url}, status=status)


def enrolment_link_sent(request: HttpRequest, user: object) -> HttpResponse:
    """Refuse a password-only sign-in for a role that requires two-factor; email a link."""
    sent = enrolment.send_link(request, user)
    return render(request, "staff/two_factor_link_sent.html", {"sent": sent}, status=403)


def setup_context(device: TOTPDevice) -> dict[str, object]:
    return {
        "setting_up": True,
        "qr_svg": mark_safe(  # noqa: S308 - segno renders our own otpauth URL
            segno.make(device.config_url).svg_inline(scale=4, title="Scan this code")
        ),
        "secret": base64.b32encode(device.bin_key).decode(),
    }


def code_error(form: TokenForm, outcome: signin.Outcome) -> int:
    """Put a refused code's reason on the form; return the status to answer with."""
    if outcome.locked_until is not None:
        form.add_error("token", signin.code_lock_message(outcome.locked_until))
        return 429
    form.add_error("token", "That code is not right. Codes change every 30 seconds.")
    return 400


@staff_public
@never_cache
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    next_url = signin.safe_next(request)
    user = request.user if request.user.is_authenticated else signin.pending_user(request)
    if user is None:
        return HttpResponseRedirect("/staff/login/")
    device = signin.confirmed_device(user)
    setting_up = device is None
    if setting_up:
        if not request.user.is_authenticated:
            return HttpResponseRedirect("/staff/login/")
        if requires_two_factor(user):
            # A session without two-factor (from before this rule, or a role given since)
            # may not enrol a device: only the emailed link may.
            logout(request)
            return enrolment_link_sent(request, user)
        device = enrolment.pending_device(user)
    assert device is not None
    form = TokenForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        outcome = signin.check_token(request, user, device, form.cleaned_data["token"])
        if outcome.user is None:
            status = code_error(form, outcome)
        else:
            if setting_up:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                messages.success(request, "Two-factor sign-in is on.")
            return HttpResponseRedirect(next_url)
    elif request.method == "POST":
        status = 400
    context: dict[str, object] = {"form": form, "next": next_url, "action": "/staff/two-factor/"}
    until = code_locked_until(user.get_username())
    if request.method == "GET" and until is not None:
        # Say so before the person types a code that cannot be checked yet.
        context["locked"] = signin.code_lock_message(until)
    if setting_up:
        context.update(setup_context(device))
    return render(request, "staff/two_factor.html", context, status=status)


@staff_public
@never_cache
@require_http_methods(["GET", "POST"])
def enrol_two_factor(request: HttpRequest, token: str) -> HttpResponse:
    """Set up an authenticator from the emailed link; then the person signs in with it."""
    try:
        user = enrolment.open_link(token)
    except enrolment.EnrolmentRefused as refusal:
        logger.warning("refused two-factor set-up link from ip=%s: %s", client_ip(request), refusal)
        return render(request, "staff/enrolment_refused.html", {"reason": str(refusal)}, status=400)
    device = enrolment.pending_device(user)
    form = TokenForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        outcome = signin.verify_code(request, user, device, form.cleaned_data["token"])
        if outcome.user is None:
            status = code_error(form, outcome)
        else:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            logger.info("two-factor set up by link for %r ip=%s", user, client_ip(request))
            messages.success(request, "Two-factor sign-in is on. Sign in with your password.")
            return HttpResponseRedirect("/staff/login/")
    elif request.method == "POST":
        status = 400
    context = {"form": form, "next": "", "action": request.path, **setup_context(device)}
    return render(request, "staff/two_factor.html", context, status=status)


@staff_public
@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, "You have signed out.")
    return HttpResponseRedirect("/staff/login/")


def configured_site_url() -> str:
    return str(settings.CITYSTAT_SITE_URL).rstrip("/")


_password_reset = auth_views.PasswordResetView.as_view(
    # The link starts with CITYSTAT_SITE_URL, read when the email is sent (`citystat
    # serve` may set it from --port after this module is imported), never with the
    # request's Host header: every email link has that one origin (#21).
    extra_email_context={"site_url": lazy(configured_site_url, str)()},
    template_name="staff/password_reset_form.html",
    email_template_name="staff/password_reset_email.txt",
    subject_template_name="staff/password_reset_subject.txt",
    success_url="/staff/password-reset/sent/",
)


# Reset links one address may ask for, and one IP address may ask for across addresses,
# per hour. Counted by the site's rate limiter, never as failed sign-ins, so asking for
# links cannot lock anyone out of signing in (docs/security.md).
RESETS_PER_ADDRESS = 5
RESETS_PER_IP = 30


def reset_refusal(request: HttpRequest) -> str | None:
    """Return why this request for a reset link is refused (too many), or None to send it."""
    email = request.POST.get("email", "").strip().lower()
    # The address is hashed so the rate-limit cache never holds people's email addresses.
    address_key = hashlib.sha256(email.encode()).hexdigest()
    checks = [
        ("from your network", "password-reset-ip", RESETS_PER_IP, None),
        ("for this address", "password-reset", RESETS_PER_ADDRESS, address_key),
    ]
    for where, scope, limit, key in checks:
        decision = check_rate(request, scope, limit, 3600, key)
        if not decision.allowed:
            minutes = max(1, math.ceil(decision.retry_after / 60))
            logger.warning("password reset refused %s: ip=%s", where, client_ip(request))
            return (
                f"Too many reset links asked {where}: {limit} an hour are sent; "
                f"try again in {minutes} minute{'s' if minutes != 1 else ''}."
            )
    return None


@staff_public
@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponseBase:
    if request.method == "POST":
        locked = reset_refusal(request)
        if locked is not None:
            context = {"form": PasswordResetForm(request.POST), "locked": locked}
            return render(request, "staff/password_reset_form.html", context, status=429)
    return _password_reset(request)


password_reset_sent = staff_public(
    auth_views.PasswordResetDoneView.as_view(template_name="staff/password_reset_sent.html")
)
password_reset_done = staff_public(
    auth_views.PasswordResetCompleteView.as_view(template_name="staff/password_reset_done.html")
)
_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="staff/password_reset_confirm.html", success_url="/staff/reset/done/"
)


@staff_public
@sensitive_post_parameters("new_password1", "new_password2")
@never_cache
def password_reset_confirm(request: HttpRequest, uidb64: str, token: str) -> HttpResponseBase:
    response = _reset_confirm(request, uidb64=uidb64, token=token)
    context = getattr(response, "context_data", None) or {}
    if context.get("validlink") is False:
        # A used, expired or forged link: Django renders its explanation with 200; make
        # the refusal visible to monitors too, and log it.
        logger.warning("refused password-reset link from ip=%s", client_ip(request))
        response.status_code = 400
    return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Refuse a form whose CSRF token is missing or forged, and log it."""
    logger.warning(
        "refused %s %s: CSRF check failed (%s) ip=%s request=%s",
        request.method,
        request.path,
        reason,
        client_ip(request),
        getattr(request, "request_id", "-"),
    )
    return render(request, "staff/csrf_failure.html", status=403)
