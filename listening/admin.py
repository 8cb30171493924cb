from __future__ import annotations

from django.contrib import admin

from listening.models import ClassifierModel, Item, ListeningAction, Source


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "kind",
        "active",
        "last_success_at",
        "last_error_at",
        "consecutive_errors",
        "items_received",
    )
    list_filter = ("kind", "active")
    search_fields = ("name", "url")
    readonly_fields = (
        "next_poll_at",
        "last_polled_at",
        "last_success_at",
        "last_error_at",
        "last_error",
        "consecutive_errors",
        "items_received",
        "etag",
        "last_modified",
    )


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "source",
        "state",
        "is_support",
        "urgency",
        "category",
        "received_at",
    )
    list_filter = ("state", "is_support", "urgency", "source")
    search_fields = ("title", "text", "author", "link")
    raw_id_fields = ("source", "category")
    readonly_fields = ("explanation", "support_probability", "link_hash", "received_at")


@admin.register(ListeningAction)
class ListeningActionAdmin(admin.ModelAdmin):
    list_display = ("item", "action", "actor", "thread", "created_at")
    list_filter = ("action",)
    raw_id_fields = ("item", "actor", "thread")

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False  # append-only record


@admin.register(ClassifierModel)
class ClassifierModelAdmin(admin.ModelAdmin):
    list_display = ("__str__", "version", "trained_on", "created_at")
    readonly_fields = ("version", "weights", "trained_on", "created_at")
