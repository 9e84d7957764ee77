"""Invite staff by a single-use link, and accept an invitation."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from citystat.accounts import enrolment, invitations
from citystat.accounts.context import client_ip
from citystat.accounts.decorators import staff_public, staff_required
from citystat.accounts.forms import AcceptInvitationForm, InvitationForm
from citystat.accounts.models import Invitation
from citystat.accounts.roles import requires_two_factor

logger = logging.getLogger("citystat.security")


@staff_required("accounts.add_invitation")
@require_http_methods(["GET", "POST"])
def invitation_list(request: HttpRequest) -> HttpResponse:
    form = InvitationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                invitation, link = invitations.invite(
                    data["email"], data["roles"], data["departments"], request.user
                )
            except invitations.RoleNotYours as refusal:
                logger.warning("refused invitation by %s: %s", request.user, refusal)
                form.add_error("roles", str(refusal))
                status = 400
            else:
                invitations.send_invitation(invitation, link, request.build_absolute_uri("/")[:-1])
                messages.success(request, f"Invitation sent to {invitation.email}.")
                return HttpResponseRedirect("/staff/invitations/")
        else:
            status = 400
    recent = Invitation.objects.prefetch_related("departments")[:50]
    return render(
        request,
        "staff/invitations.html",
        {"form": form, "invitations": recent, "now": timezone.now()},
        status=status,
    )


@staff_public
@sensitive_post_parameters("password1", "password2")
@never_cache
@require_http_methods(["GET", "POST"])
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = invitations.open_invitation(token)
    except invitations.InvitationRefused as refusal:
        logger.warning("refused invitation link from ip=%s: %s", client_ip(request), refusal)
        return render(
            request, "staff/invitation_refused.html", {"reason": str(refusal)}, status=400
        )
    form = AcceptInvitationForm(request.POST or None, email=invitation.email)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                user = invitations.accept(
                    invitation, form.cleaned_data["username"], form.cleaned_data["password1"]
                )
            except invitations.InvitationRefused as refusal:
                return render(
                    request, "staff/invitation_refused.html", {"reason": str(refusal)}, status=400
                )
            if requires_two_factor(user):
                # The invitation was the emailed single-use link: it may enrol a device at
                # once, but the account is signed in only with a code (enrolment.py).
                messages.success(request, "Welcome to citystat. Your role requires two-factor.")
                return HttpResponseRedirect(enrolment.link_for(user))
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "Welcome to citystat. Turn on two-factor sign-in next.")
            return HttpResponseRedirect("/staff/")
        status = 400
    return render(
        request,
        "staff/accept_invitation.html",
        {"form": form, "invitation": invitation},
        status=status,
    )
