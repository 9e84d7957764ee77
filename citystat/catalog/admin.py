from django.contrib import admin

from citystat.catalog.models import Dataset, DatasetVersion


class DatasetVersionInline(admin.TabularInline):
    model = DatasetVersion
    fields = ("number", "status", "mode", "rows_read", "rows_rejected", "row_count", "finished_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-number"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "department", "update_frequency", "is_public"]
    list_filter = ["is_public", "update_frequency", "department"]
    search_fields = ["title", "slug", "description"]
    inlines = [DatasetVersionInline]


@admin.register(DatasetVersion)
class DatasetVersionAdmin(admin.ModelAdmin):
    list_display = ["dataset", "number", "status", "rows_read", "rows_rejected", "finished_at"]
    list_filter = ["status", "dataset"]
    readonly_fields = [field.name for field in DatasetVersion._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
