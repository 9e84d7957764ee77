from django.contrib import admin

from citystat.city.models import BoundaryLayer, CityProfile, Department


@admin.register(CityProfile)
class CityProfileAdmin(admin.ModelAdmin):
    list_display = ["name", "time_zone", "fiscal_year_start_month", "population"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


@admin.register(BoundaryLayer)
class BoundaryLayerAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "name_property", "id_property", "area_count", "updated_at"]
    exclude = ["geojson"]
    readonly_fields = ["area_count"]
