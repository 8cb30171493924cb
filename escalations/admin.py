from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from escalations import services
from escalations.models import (
    Case,
    CaseNote,
    SlaClock,
    SlaPolicy,
    StaffDuty,
    WebhookDelivery,
    WebhookEndpoint,
)


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "category",
        "is_active",
        "first_answer_minutes",
        "accepted_answer_minutes",
        "staff_response_minutes",
        "business_hours",
        "time_zone",
        "holiday_country",
        "holiday_subdiv",
    ]
    list_filter = ["is_active", "business_hours"]


@admin.register(SlaClock)
class SlaClockAdmin(admin.ModelAdmin):
    list_display = ["thread_id", "state", "first_answer_due_at", "accepted_due_at", "next_due_at"]
    list_filter = ["state"]
    raw_id_fields = ["thread", "policy"]
    # Clocks are written by the event handlers and the sweep, not by hand.
    readonly_fields = [f.name for f in SlaClock._meta.fields]


class CaseNoteInline(admin.TabularInline):
    model = CaseNote
    extra = 0
    readonly_fields = ["author", "body", "created_at"]
    can_delete = False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ["id", "thread", "state", "resolution", "source", "assignee", "due_at"]
    list_filter = ["state", "resolution", "source"]
    raw_id_fields = ["thread", "customer", "assignee", "opened_by"]
    # State changes go through the services (compare-and-set, events, webhooks).
    readonly_fields = [f.name for f in Case._meta.fields]
    inlines = [CaseNoteInline]


@admin.register(StaffDuty)
class StaffDutyAdmin(admin.ModelAdmin):
    list_display = ["user", "on_duty", "last_assigned_at"]
    list_filter = ["on_duty"]
    raw_id_fields = ["user"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["name", "url", "active", "allow_private", "created_at"]
    list_filter = ["active"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "endpoint",
        "event",
        "case",
        "state",
        "attempts",
        "last_status_code",
        "created_at",
        "delivered_at",
    ]
    list_filter = ["state", "event", "endpoint"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    actions = ["redeliver"]

    @admin.action(description=_("Redeliver (same payload and idempotency key)"))
    def redeliver(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        count = 0
        for delivery in queryset.order_by("id"):
            services.webhook_redeliver(delivery_id=delivery.pk, actor=None)
            count += 1
        self.message_user(request, _("%d deliveries queued again.") % count, messages.SUCCESS)
