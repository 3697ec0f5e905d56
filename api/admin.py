"""Administrators see every API token (never the token itself) and revoke one by deleting it."""

from django.contrib import admin

from api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "token_key", "created", "expiry", "last_used_at"]
    list_filter = ["created"]
    search_fields = ["name", "user__username", "token_key"]
    readonly_fields = ["name", "user", "token_key", "created", "expiry", "last_used_at"]
    exclude = ["digest"]
    actions = ["delete_selected"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
