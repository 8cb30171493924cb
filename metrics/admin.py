from __future__ import annotations

from django.contrib import admin

from metrics.models import DailyRollup, SummaryDelivery


@admin.register(DailyRollup)
class DailyRollupAdmin(admin.ModelAdmin):
    """Read-only: rollups are computed, never typed in (rebuild with metrics_rebuild)."""

    list_display = ("date", "category", "questions_asked", "questions_solved", "escalations_opened")
    list_filter = ("category",)
    date_hierarchy = "date"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SummaryDelivery)
class SummaryDeliveryAdmin(admin.ModelAdmin):
    list_display = ("month", "user", "created_at", "sent_at")
    list_select_related = ("user",)
