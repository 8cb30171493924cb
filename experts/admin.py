from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from experts import services
from experts.models import (
    Badge,
    BadgeAward,
    ExpertAcceptance,
    ExpertAvailability,
    ExpertiseScore,
    Rank,
    RoutingCalibration,
    RoutingNotification,
)


@admin.register(Rank)
class RankAdmin(admin.ModelAdmin):
    """Community managers set the thresholds; saving re-ranks everyone at once."""

    list_display = ["name", "code", "min_score", "min_accepted"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        services.ranks_recompute()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        services.ranks_recompute()


@admin.register(Badge)
class BadgeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "threshold"]


@admin.register(BadgeAward)
class BadgeAwardAdmin(admin.ModelAdmin):
    list_display = ["user", "badge", "category", "awarded_at"]
    list_select_related = ["user", "badge", "category"]
    raw_id_fields = ["user"]


@admin.register(ExpertiseScore)
class ExpertiseScoreAdmin(admin.ModelAdmin):
    list_display = ["user", "category", "score", "accepted_count", "answer_count", "rank"]
    list_select_related = ["user", "category"]
    list_filter = ["category", "rank"]
    raw_id_fields = ["user"]
    readonly_fields = [f.name for f in ExpertiseScore._meta.fields]


@admin.register(ExpertAcceptance)
class ExpertAcceptanceAdmin(admin.ModelAdmin):
    list_display = ["post_id", "user", "asker_id", "verdict", "accepted_at"]
    list_filter = ["verdict"]
    raw_id_fields = ["user"]
    readonly_fields = [f.name for f in ExpertAcceptance._meta.fields]


@admin.register(ExpertAvailability)
class ExpertAvailabilityAdmin(admin.ModelAdmin):
    list_display = ["user", "routing_opt_out", "max_per_day"]
    raw_id_fields = ["user"]


@admin.register(RoutingNotification)
class RoutingNotificationAdmin(admin.ModelAdmin):
    list_display = ["thread", "expert", "wave", "created_at", "emailed_at"]
    raw_id_fields = ["thread", "expert"]


@admin.register(RoutingCalibration)
class RoutingCalibrationAdmin(admin.ModelAdmin):
    """Read-only: the daily task writes these; routing uses the latest."""

    list_display = ["computed_at", "half_life_days", "answers_used"]
    readonly_fields = ["computed_at", "half_life_days", "answers_used", "scores"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
