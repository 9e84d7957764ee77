from django.urls import path

from citystat.accounts.views import audit, invitations, signin, tokens, workspace

urlpatterns = [
    path("staff/", workspace.home, name="staff-home"),
    path("staff/login/", signin.sign_in, name="staff-login"),
    path("staff/logout/", signin.sign_out, name="staff-logout"),
    path("staff/two-factor/", signin.two_factor, name="staff-two-factor"),
    path(
        "staff/two-factor/enrol/<str:token>/",
        signin.enrol_two_factor,
        name="staff-two-factor-enrol",
    ),
    path("staff/password-reset/", signin.password_reset, name="staff-password-reset"),
    path(
        "staff/password-reset/sent/", signin.password_reset_sent, name="staff-password-reset-sent"
    ),
    path(
        "staff/reset/<uidb64>/<token>/",
        signin.password_reset_confirm,
        name="staff-password-reset-confirm",
    ),
    path("staff/reset/done/", signin.password_reset_done, name="staff-password-reset-done"),
    path("staff/invitations/", invitations.invitation_list, name="staff-invitations"),
    path(
        "staff/invitations/<str:token>/",
        invitations.accept_invitation,
        name="staff-invitation-accept",
    ),
    path("staff/api-tokens/", tokens.token_list, name="staff-api-tokens"),
    path("staff/api-tokens/<int:pk>/revoke/", tokens.token_revoke, name="staff-api-token-revoke"),
    path("staff/audit/", audit.audit_log, name="staff-audit"),
    path("staff/audit.csv", audit.audit_export, name="staff-audit-export"),
]
