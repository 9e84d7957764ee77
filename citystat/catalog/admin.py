from django.contrib import admin
from django.http import HttpRequest

from citystat.catalog.models import Dataset, DatasetVersion


# ModelAdmin and its inlines take their model as a type argument only in the stubs: Django's
# classes cannot be subscripted at run time (django-stubs-ext would patch them; not a dependency).
class DatasetVersionInline(admin.TabularInline):  # type: ignore[type-arg]
    model = DatasetVersion
    fields = ("number", "status", "mode", "rows_read", "rows_rejected", "row_count", "finished_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-number"]

    def has_add_permission(self, request: HttpRequest, obj: Dataset | None = None) -> bool:
        return False


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["title", "slug", "department", "update_frequency", "is_public"]
    list_filter = ["is_public", "update_frequency", "department"]
    search_fields = ["title", "slug", "description"]
    inlines = [DatasetVersionInline]


@admin.register(DatasetVersion)
class DatasetVersionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["dataset", "number", "status", "rows_read", "rows_rejected", "finished_at"]
    list_filter = ["status", "dataset"]
    readonly_fields = [field.name for field in DatasetVersion._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: DatasetVersion | None = None
    ) -> bool:
        return False
