from __future__ import annotations

from django.contrib import admin

from notifications.models import (
    InboundMail,
    Notification,
    NotificationPreference,
    NotificationSettings,
    Watch,
)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("id", "recipient", "kind", "title", "created_at", "read_at", "email_state")
    list_filter = ("kind", "email_state")
    search_fields = ("title", "recipient__username", "recipient__email")
    raw_id_fields = ("recipient", "actor", "thread")
    list_select_related = ("recipient",)
    date_hierarchy = "created_at"


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "email", "in_app", "updated_at")
    list_filter = ("kind", "email", "in_app")
    raw_id_fields = ("user",)


@admin.register(NotificationSettings)
class NotificationSettingsAdmin(admin.ModelAdmin):
    list_display = ("user", "auto_watch", "updated_at")
    raw_id_fields = ("user",)


@admin.register(Watch)
class WatchAdmin(admin.ModelAdmin):
    list_display = ("user", "thread", "category", "created_at")
    raw_id_fields = ("user", "thread", "category")


@admin.register(InboundMail)
class InboundMailAdmin(admin.ModelAdmin):
    list_display = ("message_id", "user", "thread", "post", "created_at")
    raw_id_fields = ("user", "thread", "post")
