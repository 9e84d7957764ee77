"""Sign-in, two-factor, sign-out, password reset and the CSRF refusal page."""

from __future__ import annotations

import base64
import logging
from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from citystat.accounts import signin
from citystat.accounts.context import client_ip
from citystat.accounts.decorators import staff_public
from citystat.accounts.forms import SignInForm, TokenForm
from citystat.accounts.throttle import locked_until, note_attempt

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
        else:
            from django.contrib.auth import login

            login(request, outcome.user)
            return HttpResponseRedirect(next_url)
    elif request.method == "POST":
        status = 400
    return render(request, "staff/sign_in.html", {"form": form, "next": next_url}, status=status)


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
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    assert device is not None
    form = TokenForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        outcome = signin.check_token(request, user, device, form.cleaned_data["token"])
        if outcome.locked_until is not None:
            form.add_error("token", locked_message(outcome))
            status = 429
        elif outcome.user is None:
            form.add_error("token", "That code is not right. Codes change every 30 seconds.")
            status = 400
        else:
            if setting_up:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                messages.success(request, "Two-factor sign-in is on.")
            return HttpResponseRedirect(next_url)
    elif request.method == "POST":
        status = 400
    context = {"form": form, "next": next_url, "setting_up": setting_up}
    if setting_up:
        context["qr_svg"] = mark_safe(
            segno.make(device.config_url).svg_inline(scale=4, title="Scan this code")
        )  # noqa: S308 - segno renders our own otpauth URL
        context["secret"] = base64.b32encode(device.bin_key).decode()
    return render(request, "staff/two_factor.html", context, status=status)


@staff_public
@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, "You have signed out.")
    return HttpResponseRedirect("/staff/login/")


_password_reset = auth_views.PasswordResetView.as_view(
    template_name="staff/password_reset_form.html",
    email_template_name="staff/password_reset_email.txt",
    subject_template_name="staff/password_reset_subject.txt",
    success_url="/staff/password-reset/sent/",
)


@staff_public
@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponseBase:
    if request.method == "POST":
        # Each request counts as a throttled attempt on "reset:<email>", so nobody can
        # flood a colleague's inbox with reset links.
        key = "reset:" + request.POST.get("email", "")[:140]
        outcome = signin.Outcome(locked_until=locked_until(key, client_ip(request)))
        if outcome.locked_until is not None:
            logger.warning("password reset refused while locked: ip=%s", client_ip(request))
            context = {"form": PasswordResetForm(request.POST), "locked": locked_message(outcome)}
            return render(request, "staff/password_reset_form.html", context, status=429)
        note_attempt(key, client_ip(request), succeeded=False)
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
