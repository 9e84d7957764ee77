from django.contrib import admin

from citystat.peers.models import Peer, PeerLink


# Django's ModelAdmin takes its type argument only in the stubs: the class cannot be
# subscripted at run time (see catalog/admin.py).
class PeerLinkInline(admin.TabularInline):  # type: ignore[type-arg]
    model = PeerLink
    extra = 0


@admin.register(Peer)
class PeerAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Staff choose here (or with `citystat peers publish`) which peers the public sees."""

    list_display = ["name", "kind", "is_public", "is_synthetic", "state", "last_success_at"]
    list_editable = ["is_public"]
    list_filter = ["kind", "is_public", "state"]
    readonly_fields = ["state", "last_error", "last_attempt_at", "last_success_at"]
    inlines = [PeerLinkInline]
