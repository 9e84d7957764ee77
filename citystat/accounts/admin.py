from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.http import HttpRequest

from citystat.accounts.models import AuditEntry, Invitation, SignInAttempt, StaffProfile


# Django's ModelAdmin takes its type argument only in the stubs: the class cannot be
# subscripted at run time (see catalog/admin.py).
@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["user", "created_at"]
    search_fields = ["user__username", "user__email"]
    filter_horizontal = ["departments"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["email", "created_at", "expires_at", "accepted_at"]
    search_fields = ["email"]
    readonly_fields = ["invited_by", "created_at", "accepted_at", "accepted_by"]


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["sequence", "at", "action", "username", "ip", "object_type", "object_repr"]
    list_filter = ["action", "object_type"]
    search_fields = ["username", "object_repr", "object_type", "object_id", "ip"]
    date_hierarchy = "at"


@admin.register(SignInAttempt)
class SignInAttemptAdmin(ReadOnlyAdmin):
    list_display = ["at", "kind", "username", "ip", "succeeded"]
    list_filter = ["kind", "succeeded"]
    search_fields = ["username", "ip"]


class StaffProfileInline(admin.StackedInline):  # type: ignore[type-arg]
    model = StaffProfile
    can_delete = False
    filter_horizontal = ["departments"]
    verbose_name_plural = "departments (department editors change only these)"


class StaffUserAdmin(UserAdmin):  # type: ignore[type-arg]
    """Django's user admin, with the person's departments beside their groups (roles)."""

    inlines = [StaffProfileInline]


admin.site.unregister(User)
admin.site.register(User, StaffUserAdmin)
