"""Django admin for operators: processes, parties and accounts only.

Labelled data (memberships, messages, positions, the ledger) is not registered: operators are
not members of processes, and the admin bypasses core.access. Members are managed in the web UI
by coordinators, or with the API.
"""

from django.contrib import admin

from accord.core.models import ApiToken, Party, Process


class PartyInline(admin.TabularInline):
    model = Party
    extra = 0
    fields = ("code", "name", "kind")
    readonly_fields = ("code",)


@admin.register(Process)
class ProcessAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("name", "slug")
    readonly_fields = ("slug", "created_at")
    inlines = [PartyInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a process's record is permanent; suspend or conclude it instead


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Operators may see and revoke tokens; never their secrets (only digests are stored)."""

    list_display = (
        "user",
        "name",
        "prefix",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    )
    list_filter = ("revoked_at",)
    readonly_fields = ("user", "name", "prefix", "digest", "created_at", "last_used_at")
    search_fields = ("user__username", "name", "prefix")

    def has_add_permission(self, request) -> bool:
        return False
