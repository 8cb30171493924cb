"""The rewards ledger, programs and payouts.

Money is integers in minor units with a currency code (``PTS`` for points, ``EUR`` cents).
The ledger (Account, LedgerTransaction, LedgerEntry) is append-only and written by exactly
one function, ``rewards.ledger.ledger_post``. Sign convention: a positive ``amount_minor``
raises the account's balance; every transaction sums to zero per currency.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(RuntimeError):
    """Ledger rows are never edited or deleted: post a reversing transaction instead."""


class AccountKind(models.TextChoices):
    USER_POINTS = "user_points", _("Points wallet")
    USER_CASH = "user_cash", _("Cash wallet")
    # System accounts (no owner). Their balances are allowed to go negative: a negative
    # program budget is what the programs have spent, a negative issuance what was minted.
    POINTS_ISSUED = "points_issued", _("Points issued")
    PROGRAM_BUDGET = "program_budget", _("Program budget")
    BOUNTY_ESCROW = "bounty_escrow", _("Bounty escrow")
    PAYOUTS_IN_FLIGHT = "payouts_in_flight", _("Payouts in flight")
    PAID_OUT = "paid_out", _("Paid out")
    CLAWBACK_RECEIVABLE = "clawback_receivable", _("Clawback receivable")


# Accounts whose balance must never drop below zero (except by an explicit clawback).
NON_NEGATIVE_KINDS = frozenset(
    {
        AccountKind.USER_POINTS,
        AccountKind.USER_CASH,
        AccountKind.BOUNTY_ESCROW,
        AccountKind.PAYOUTS_IN_FLIGHT,
    }
)
USER_KINDS = frozenset({AccountKind.USER_POINTS, AccountKind.USER_CASH})


class Account(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reward_accounts",
    )
    kind = models.CharField(max_length=32, choices=AccountKind.choices)
    currency = models.CharField(max_length=8)
    # Cached sum of this account's entries; written only by ledger_post with F(), proved by
    # rewards_reconcile.
    balance_minor = models.BigIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "kind", "currency"],
                condition=Q(owner__isnull=False),
                name="rewards_account_unique_user_wallet",
            ),
            models.UniqueConstraint(
                fields=["kind", "currency"],
                condition=Q(owner__isnull=True),
                name="rewards_account_unique_system_account",
            ),
        ]

    def __str__(self) -> str:
        who = f"user {self.owner_id}" if self.owner_id else "system"
        return f"{self.kind} {self.currency} ({who})"


class LedgerTransaction(models.Model):
    idempotency_key = models.CharField(max_length=200, unique=True)
    cause_type = models.CharField(max_length=40, db_index=True)
    cause_id = models.CharField(max_length=64, blank=True, default="")
    memo = models.CharField(max_length=300, blank=True)
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["cause_type", "cause_id"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.idempotency_key}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnlyError("ledger transactions are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("ledger transactions are append-only")


class LedgerEntry(models.Model):
    transaction = models.ForeignKey(
        LedgerTransaction, on_delete=models.PROTECT, related_name="entries"
    )
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(amount_minor=0), name="rewards_entry_amount_not_zero"
            )
        ]

    def __str__(self) -> str:
        return f"{self.amount_minor} {self.currency} -> account {self.account_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnlyError("ledger entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("ledger entries are append-only")


# --- Programs and rules ---------------------------------------------------------------------


class Program(models.Model):
    name = models.CharField(_("name"), max_length=120)
    currency = models.CharField(_("cash currency"), max_length=8, default="EUR")
    monthly_budget_minor = models.BigIntegerField(_("monthly cash budget (minor units)"), default=0)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    categories = models.ManyToManyField(
        "forum.Category",
        related_name="reward_programs",
        blank=True,
        help_text=_("Empty means every category."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("reward program")
        constraints = [
            models.CheckConstraint(
                condition=Q(monthly_budget_minor__gte=0), name="rewards_program_budget_gte_0"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if (
            self.currency not in settings.REWARDS_CURRENCIES
            or self.currency == settings.REWARDS_POINTS_CURRENCY
        ):
            raise ValidationError({"currency": _("Choose a configured cash currency.")})
        if self.ends_at and self.starts_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The end must be after the start.")})


class BudgetTopUp(models.Model):
    """Extra cash budget for one month of a program (``period`` is the month's first day)."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="top_ups")
    period = models.DateField()
    amount_minor = models.BigIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="rewards_topup_gt_0")
        ]

    def __str__(self) -> str:
        return f"{self.program_id}: +{self.amount_minor} for {self.period}"


class RewardTrigger(models.TextChoices):
    ANSWER_ACCEPTED = "answer_accepted", _("Answer accepted")
    FIRST_ANSWER_WITHIN = "first_answer_within", _("Accepted first answer within N hours")


class RewardRule(models.Model):
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="rules")
    trigger = models.CharField(max_length=32, choices=RewardTrigger.choices)
    within_hours = models.PositiveIntegerField(
        default=24, help_text=_("For 'first answer within': hours after the question.")
    )
    amount_points = models.BigIntegerField(_("points"), default=0)
    amount_cash_minor = models.BigIntegerField(_("cash (minor units)"), default=0)
    # {"expert": 150, "champion": 200}: percent per experts rank; integers, never floats.
    rank_multipliers = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=True)
    # A rule applies to acceptances after it was created, never retroactively.
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_points__gte=0) & Q(amount_cash_minor__gte=0),
                name="rewards_rule_amounts_gte_0",
            )
        ]

    def __str__(self) -> str:
        return f"{self.program}: {self.get_trigger_display()}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        multipliers = self.rank_multipliers or {}
        if not isinstance(multipliers, dict) or not all(
            isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 1000
            for k, v in multipliers.items()
        ):
            raise ValidationError(
                {"rank_multipliers": _('Percent per rank as whole numbers, e.g. {"expert": 150}.')}
            )


class GrantStatus(models.TextChoices):
    CREDITED = "credited", _("Credited")
    SKIPPED = "skipped", _("Not countable")
    REVERSED = "reversed", _("Reversed")


class RewardGrant(models.Model):
    """One rule applied to one acceptance. ``acceptance`` identifies the acceptance
    (post id + accepted_at), so a later re-acceptance of the same answer is a new grant."""

    rule = models.ForeignKey(RewardRule, on_delete=models.PROTECT, related_name="grants")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="grants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reward_grants"
    )
    thread_id = models.BigIntegerField(db_index=True)
    post_id = models.BigIntegerField(db_index=True)
    acceptance = models.CharField(max_length=80)
    event_id = models.BigIntegerField(null=True)
    status = models.CharField(max_length=16, choices=GrantStatus.choices)
    skip_reason = models.CharField(max_length=40, blank=True)
    multiplier_pct = models.PositiveIntegerField(default=100)
    points_minor = models.BigIntegerField(default=0)
    cash_minor = models.BigIntegerField(default=0)
    cash_currency = models.CharField(max_length=8, default="EUR")
    # Cash waits in the pending queue while the program's monthly budget is exhausted.
    cash_pending = models.BooleanField(default=False)
    cash_credited_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    reversed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "acceptance"], name="rewards_grant_one_per_rule_acceptance"
            )
        ]
        indexes = [
            models.Index(
                fields=["program", "created_at"],
                condition=Q(cash_pending=True),
                name="rewards_grant_pending_idx",
            )
        ]

    def __str__(self) -> str:
        return f"grant {self.pk} ({self.status}) for answer {self.post_id}"


class BountyStatus(models.TextChoices):
    OPEN = "open", _("Open")
    AWARDED = "awarded", _("Awarded")
    REFUNDED = "refunded", _("Refunded")


class Bounty(models.Model):
    thread_id = models.BigIntegerField(db_index=True)
    funder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="funded_bounties"
    )
    # Staff-funded cash bounties come out of the program budget, points from the funder.
    funded_by_budget = models.BooleanField(default=False)
    currency = models.CharField(max_length=8)
    amount_minor = models.BigIntegerField()
    status = models.CharField(max_length=16, choices=BountyStatus.choices, default="open")
    expires_at = models.DateTimeField(db_index=True)
    awarded_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    awarded_post_id = models.BigIntegerField(null=True, blank=True)
    awarded_acceptance = models.CharField(max_length=80, blank=True)
    # Each award/unaward/refund is its own ledger transaction; the counter keys them.
    moves = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="rewards_bounty_gt_0")
        ]

    # --- Payouts --------------------------------------------------------------------------------

    def __str__(self) -> str:
        return f"bounty {self.pk}: {self.amount_minor} {self.currency} ({self.status})"


class PayoutMethodKind(models.TextChoices):
    SEPA = "sepa", _("SEPA bank transfer")
    STRIPE = "stripe", _("Stripe Connect")


class PayoutMethod(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payout_methods"
    )
    kind = models.CharField(max_length=16, choices=PayoutMethodKind.choices)
    holder_name = models.CharField(max_length=70, blank=True)
    iban = models.CharField(max_length=34, blank=True)
    bic = models.CharField(max_length=11, blank=True)
    stripe_account_id = models.CharField(max_length=64, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        if self.kind == PayoutMethodKind.SEPA:
            return f"SEPA …{self.iban[-4:]}"
        return f"Stripe {self.stripe_account_id}"


class PayoutState(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    SUBMITTED = "submitted", _("Submitted")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Failed")


class SepaBatch(models.Model):
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    message_id = models.CharField(max_length=64, unique=True)
    xml = models.TextField()
    marked_paid_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"SEPA batch {self.message_id}"


class Payout(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payouts"
    )
    method = models.ForeignKey(PayoutMethod, on_delete=models.PROTECT, related_name="payouts")
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=8)
    state = models.CharField(
        max_length=16, choices=PayoutState.choices, default=PayoutState.REQUESTED
    )
    idempotency_key = models.CharField(max_length=200)
    requested_at = models.DateTimeField(auto_now_add=True, db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reject_reason = models.CharField(max_length=300, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    provider_reference = models.CharField(max_length=100, blank=True)
    batch = models.ForeignKey(
        SepaBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="payouts"
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "idempotency_key"], name="rewards_payout_unique_request_key"
            ),
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="rewards_payout_gt_0"),
        ]
        indexes = [models.Index(fields=["state", "requested_at"])]

    def __str__(self) -> str:
        return f"Payout #{self.pk} {self.amount_minor} {self.currency} ({self.state})"


class WebhookEvent(models.Model):
    """A provider webhook seen once: the unique (provider, event_id) deduplicates replays."""

    provider = models.CharField(max_length=20)
    event_id = models.CharField(max_length=100)
    event_type = models.CharField(max_length=100)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "event_id"], name="rewards_webhook_unique_event"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_id} {self.event_type}"
