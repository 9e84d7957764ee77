"""Staff issue and revoke their own API tokens; administrators can revoke anyone's."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from citystat.accounts.decorators import refuse, staff_required
from citystat.accounts.forms import ApiTokenForm
from citystat.accounts.models import ApiToken
from citystat.accounts.roles import is_administrator
from citystat.accounts.tokens import issue_token, revoke


@staff_required()
@never_cache
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    new_key = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            _, new_key = issue_token(request.user, data["name"], data["scope"], days=data["days"])
            form = ApiTokenForm()
        else:
            status = 400
    tokens = ApiToken.objects.select_related("user")
    if not is_administrator(request.user):
        tokens = tokens.filter(user_id=request.user.pk or 0)
    context = {"form": form, "new_key": new_key, "tokens": tokens[:200], "now": timezone.now()}
    return render(request, "staff/api_tokens.html", context, status=status)


@staff_required()
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = ApiToken.objects.filter(pk=pk).first()
    if token is None:
        raise Http404("No such token.")
    if token.user_id != request.user.pk and not is_administrator(request.user):
        return refuse(request, "Only its owner or an administrator may revoke this token.")
    revoke(token)
    return HttpResponseRedirect("/staff/api-tokens/")
