from django.contrib import admin
from django.http import HttpRequest

from citystat.jobs.models import JobLock, JobRun


# Django's ModelAdmin takes its type argument only in the stubs: the class cannot be
# subscripted at run time (see catalog/admin.py).
@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Scheduled job runs: read-only, as they are written by the jobs themselves."""

    list_display = ["name", "status", "node", "started_at", "finished_at"]
    list_filter = ["name", "status"]
    search_fields = ["error", "node"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(JobLock)
class JobLockAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Who holds each job's lock now; deleting a row frees a stuck lock at once."""

    list_display = ["name", "holder", "acquired_at", "expires_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
