"""Admin: community managers edit programs and rules; the ledger is read-only for everyone."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from rewards.models import (
    Account,
    Bounty,
    BudgetTopUp,
    LedgerEntry,
    LedgerTransaction,
    Payout,
    Program,
    RewardGrant,
    RewardRule,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Money rows change only through services (append-only ledger, state machines)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class RewardRuleInline(admin.TabularInline):
    model = RewardRule
    extra = 0
    fields = [
        "trigger",
        "within_hours",
        "amount_points",
        "amount_cash_minor",
        "rank_multipliers",
        "is_active",
    ]


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["name", "currency", "monthly_budget_minor", "starts_at", "ends_at", "is_active"]
    filter_horizontal = ["categories"]
    inlines = [RewardRuleInline]

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # grants point at programs; deactivate instead


@admin.register(BudgetTopUp)
class BudgetTopUpAdmin(ReadOnlyAdmin):
    list_display = ["program", "period", "amount_minor", "created_by", "created_at"]


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["id", "owner", "kind", "currency", "balance_minor"]
    list_filter = ["kind", "currency"]
    search_fields = ["owner__username"]


class LedgerEntryInline(admin.TabularInline):
    model = LedgerEntry
    extra = 0
    can_delete = False
    readonly_fields = ["account", "amount_minor", "currency", "created_at"]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnlyAdmin):
    list_display = ["id", "idempotency_key", "cause_type", "cause_id", "memo", "created_at"]
    list_filter = ["cause_type"]
    search_fields = ["idempotency_key", "memo"]
    inlines = [LedgerEntryInline]


@admin.register(RewardGrant)
class RewardGrantAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "user",
        "rule",
        "post_id",
        "status",
        "points_minor",
        "cash_minor",
        "cash_pending",
        "created_at",
    ]
    list_filter = ["status", "cash_pending"]


@admin.register(Bounty)
class BountyAdmin(ReadOnlyAdmin):
    list_display = ["id", "thread_id", "funder", "currency", "amount_minor", "status", "expires_at"]


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    list_display = ["id", "user", "amount_minor", "currency", "state", "requested_at"]
    list_filter = ["state"]
