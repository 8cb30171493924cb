"""SLA policies and clocks, escalation cases, staff duty, helpdesk webhooks.

The work queue of the SLA sweep is the ``SlaClock`` table itself: a running clock has a
``next_due_at``, indexed only while running, and the sweep claims a due clock with a
conditional UPDATE (see ``services.sla_sweep``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from escalations.business_hours import (
    DEFAULT_OPENING_HOURS,
    BusinessCalendar,
    CalendarError,
    calendar_build,
)


def _default_opening_hours() -> dict:
    return {day: [list(i) for i in intervals] for day, intervals in DEFAULT_OPENING_HOURS.items()}


class SlaPolicy(models.Model):
    """How long the community has before staff step in. ``category`` NULL is the default
    policy for categories without their own."""

    name = models.CharField(_("name"), max_length=100)
    category = models.OneToOneField(
        "forum.Category",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sla_policy",
    )
    is_active = models.BooleanField(_("active"), default=True)
    first_answer_minutes = models.PositiveIntegerField(
        _("time to first answer (minutes)"), default=8 * 60
    )
    accepted_answer_minutes = models.PositiveIntegerField(
        _("time to accepted answer (minutes)"), default=40 * 60
    )
    staff_response_minutes = models.PositiveIntegerField(
        _("staff response time (minutes)"), default=4 * 60
    )
    business_hours = models.BooleanField(
        _("count business hours only"),
        default=True,
        help_text=_("Off: minutes are plain wall-clock time, nights and weekends included."),
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Berlin")
    opening_hours = models.JSONField(
        _("opening hours"),
        default=_default_opening_hours,
        help_text=_('Per weekday, e.g. {"mon": [["09:00", "17:00"]], …}.'),
    )
    holiday_country = models.CharField(
        _("public holidays: country"), max_length=2, blank=True, default="DE"
    )
    holiday_subdiv = models.CharField(
        _("public holidays: region"), max_length=10, blank=True, default="BY"
    )

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            # One policy per category and exactly one default (category NULL -> 0).
            models.UniqueConstraint(
                Coalesce("category", models.Value(0)), name="one_sla_policy_per_category"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def calendar(self) -> BusinessCalendar | None:
        if not self.business_hours:
            return None
        return calendar_build(
            time_zone=self.time_zone,
            opening_hours=self.opening_hours,
            holiday_country=self.holiday_country,
            holiday_subdiv=self.holiday_subdiv,
        )

    def clean(self) -> None:
        try:
            self.calendar()
        except CalendarError as exc:
            raise ValidationError({"opening_hours": str(exc)}) from exc


class ClockState(models.TextChoices):
    RUNNING = "running", _("Running")
    STOPPED = "stopped", _("Stopped")  # accepted answer or closed: nothing is owed
    BREACHED = "breached", _("Breached")  # the sweep opened a case
    ESCALATED = "escalated", _("Escalated")  # a person opened a case first


class SlaClock(models.Model):
    thread = models.OneToOneField(
        "forum.Thread", on_delete=models.CASCADE, primary_key=True, related_name="sla_clock"
    )
    policy = models.ForeignKey(SlaPolicy, on_delete=models.SET_NULL, null=True, blank=True)
    state = models.CharField(max_length=16, choices=ClockState.choices, default=ClockState.RUNNING)
    started_at = models.DateTimeField()
    first_answer_due_at = models.DateTimeField()
    first_answered_at = models.DateTimeField(null=True, blank=True)
    accepted_due_at = models.DateTimeField()
    # The earliest deadline still owed; NULL once the clock is not running.
    next_due_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")
        indexes = [
            # The sweep's only access path: "running clocks due by now", oldest first. Partial,
            # so stopped clocks (almost all of them, over time) cost nothing in the index.
            models.Index(
                fields=["next_due_at"],
                condition=models.Q(state="running"),
                name="slaclock_running_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"SLA clock of thread {self.thread_id} ({self.state})"


class CaseState(models.TextChoices):
    OPEN = "open", _("Open")
    ASSIGNED = "assigned", _("Assigned")
    WAITING_ON_CUSTOMER = "waiting_on_customer", _("Waiting on customer")
    RESOLVED = "resolved", _("Resolved")


OPEN_CASE_STATES = (CaseState.OPEN, CaseState.ASSIGNED, CaseState.WAITING_ON_CUSTOMER)


class Resolution(models.TextChoices):
    BY_STAFF = "by_staff", _("Solved by staff")
    BY_COMMUNITY = "by_community", _("Solved by the community")
    NO_RESPONSE = "no_response", _("No response from the customer")


class CaseSource(models.TextChoices):
    SLA_FIRST_ANSWER = "sla_first_answer", _("No first answer in time")
    SLA_ACCEPTED_ANSWER = "sla_accepted_answer", _("No accepted answer in time")
    CUSTOMER = "customer", _("Customer asked for staff")
    MODERATOR = "moderator", _("Escalated by a moderator")


class Case(models.Model):
    """An escalation: a thread staff must look at."""

    thread = models.ForeignKey("forum.Thread", on_delete=models.CASCADE, related_name="cases")
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="escalation_cases"
    )
    source = models.CharField(_("source"), max_length=24, choices=CaseSource.choices)
    reason = models.TextField(_("reason"), blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    state = models.CharField(
        _("state"), max_length=24, choices=CaseState.choices, default=CaseState.OPEN
    )
    resolution = models.CharField(
        _("resolution"), max_length=16, choices=Resolution.choices, blank=True, default=""
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_cases",
    )
    # When staff owe the next response; NULL while waiting on the customer or resolved.
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    breach_notified_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(_("opened"))
    updated_at = models.DateTimeField(_("updated"))
    waiting_since = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    reopen_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("escalation case")
        verbose_name_plural = _("escalation cases")
        constraints = [
            # The last word on "at most one open case per thread": two sweeps, a sweep and a
            # customer, or two moderators cannot both open one.
            models.UniqueConstraint(
                fields=["thread"],
                condition=~models.Q(state="resolved"),
                name="one_open_case_per_thread",
            ),
            models.CheckConstraint(
                condition=models.Q(state="resolved", resolution__in=list(Resolution.values))
                | (~models.Q(state="resolved") & models.Q(resolution="")),
                name="case_resolution_iff_resolved",
            ),
        ]
        indexes = [
            # The staff queue: unresolved cases by due time.
            models.Index(
                fields=["due_at", "id"],
                condition=~models.Q(state="resolved"),
                name="case_queue_due_idx",
            ),
            models.Index(fields=["customer", "-opened_at"], name="case_customer_idx"),
            models.Index(fields=["assignee", "state"], name="case_assignee_idx"),
        ]

    def __str__(self) -> str:
        return f"Case #{self.pk} ({self.get_state_display()})"

    def get_absolute_url(self) -> str:
        return reverse("escalations:case", kwargs={"pk": self.pk})

    @property
    def is_open(self) -> bool:
        return self.state != CaseState.RESOLVED


class CaseEvent(models.Model):
    """Audit trail of a case: every transition with old and new values."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=32)
    from_state = models.CharField(max_length=24, blank=True)
    to_state = models.CharField(max_length=24, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} on case {self.case_id}"


class CaseNote(models.Model):
    """Internal note: staff only, never shown to the customer."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("note"))
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Note on case {self.case_id}"


class StaffDuty(models.Model):
    """Who takes new cases now. Auto-assignment goes round-robin among those on duty, to
    the one whose last assignment is oldest."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_duty"
    )
    on_duty = models.BooleanField(_("on duty"), default=False)
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("staff duty")
        verbose_name_plural = _("staff duty")

    def __str__(self) -> str:
        return f"{self.user} ({'on' if self.on_duty else 'off'} duty)"


class WebhookEvent(models.TextChoices):
    CASE_OPENED = "case.opened", _("Case opened")
    CASE_UPDATED = "case.updated", _("Case updated")
    CASE_RESOLVED = "case.resolved", _("Case resolved")


def _all_webhook_events() -> list[str]:
    return list(WebhookEvent.values)


class WebhookEndpoint(models.Model):
    """An external helpdesk that receives signed case events."""

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=200)
    events = models.JSONField(_("events"), default=_all_webhook_events)
    active = models.BooleanField(_("active"), default=True)
    allow_private = models.BooleanField(
        _("allow private addresses"),
        default=False,
        help_text=_("Only for a helpdesk on the internal network: allows private/loopback IPs."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from escalations.webhooks import WebhookRefused, url_check_static

        bad = [e for e in (self.events or []) if e not in WebhookEvent.values]
        if not isinstance(self.events, list) or bad:
            raise ValidationError({"events": _("Unknown events: %s") % ", ".join(map(str, bad))})
        try:
            url_check_static(self.url, allow_private=self.allow_private)
        except WebhookRefused as exc:
            raise ValidationError({"url": str(exc)}) from exc


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event for one endpoint, and what happened when it was sent."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    case = models.ForeignKey(
        Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    event = models.CharField(max_length=32, choices=WebhookEvent.choices)
    # Same key on every attempt and redelivery: the receiver deduplicates by it.
    idempotency_key = models.CharField(max_length=100)
    payload = models.JSONField()
    state = models.CharField(
        max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "idempotency_key"], name="one_delivery_per_event_endpoint"
            ),
        ]
        indexes = [models.Index(fields=["state", "created_at"], name="delivery_state_idx")]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint} ({self.state})"


class InboundWebhookEvent(models.Model):
    """Events received from the helpdesk, kept so a replay is recognised and ignored."""

    event_id = models.CharField(max_length=100, unique=True)
    case = models.ForeignKey(Case, on_delete=models.SET_NULL, null=True, related_name="+")
    received_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.event_id
