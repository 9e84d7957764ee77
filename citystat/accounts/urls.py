"""Mounted under staff/ by citystat/urls.py: the paths below are relative to it."""

from django.urls import path

from citystat.accounts.views import audit, invitations, signin, tokens, workspace

urlpatterns = [
    path("", workspace.home, name="staff-home"),
    path("login/", signin.sign_in, name="staff-login"),
    path("logout/", signin.sign_out, name="staff-logout"),
    path("two-factor/", signin.two_factor, name="staff-two-factor"),
    path(
        "two-factor/enrol/<str:token>/",
        signin.enrol_two_factor,
        name="staff-two-factor-enrol",
    ),
    path("password-reset/", signin.password_reset, name="staff-password-reset"),
    path("password-reset/sent/", signin.password_reset_sent, name="staff-password-reset-sent"),
    path(
        "reset/<uidb64>/<token>/",
        signin.password_reset_confirm,
        name="staff-password-reset-confirm",
    ),
    path("reset/done/", signin.password_reset_done, name="staff-password-reset-done"),
    path("invitations/", invitations.invitation_list, name="staff-invitations"),
    path(
        "invitations/<str:token>/",
        invitations.accept_invitation,
        name="staff-invitation-accept",
    ),
    path("api-tokens/", tokens.token_list, name="staff-api-tokens"),
    path("api-tokens/<int:pk>/revoke/", tokens.token_revoke, name="staff-api-token-revoke"),
    path("audit/", audit.audit_log, name="staff-audit"),
    path("audit.csv", audit.audit_export, name="staff-audit-export"),
]
