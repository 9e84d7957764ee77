from django.contrib import admin

from citystat.city.models import BoundaryLayer, CityProfile, Department


# Django's ModelAdmin takes its type argument only in the stubs: the class cannot be
# subscripted at run time (see catalog/admin.py).
@admin.register(CityProfile)
class CityProfileAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "time_zone", "fiscal_year_start_month", "population"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


@admin.register(BoundaryLayer)
class BoundaryLayerAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["title", "slug", "name_property", "id_property", "area_count", "updated_at"]
    exclude = ["geojson"]
    readonly_fields = ["area_count"]
