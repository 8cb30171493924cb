from django.contrib import admin

from core.models import EventDelivery, OutboxEvent


class EventDeliveryInline(admin.TabularInline):
    model = EventDelivery
    readonly_fields = ["subscriber", "delivered_at"]
    extra = 0
    can_delete = False


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "created_at", "dispatched_at", "attempts"]
    list_filter = ["name"]
    readonly_fields = ["name", "payload", "created_at", "dispatched_at", "attempts", "last_error"]
    inlines = [EventDeliveryInline]

    def has_add_permission(self, request) -> bool:
        return False
