"""The event outbox: forum writes an event row in the same transaction as its change.

A row here is the durable promise that every subscriber will see the event. Dispatch happens
after commit (and again from a periodic sweep for anything missed); each subscriber's
delivery is recorded once under a unique constraint, so redelivery has no second effect.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxEvent(models.Model):
    name = models.CharField(_("event"), max_length=64, db_index=True)
    payload = models.JSONField(_("payload"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    # Set once every subscriber has a delivery row; NULL means "still owes deliveries".
    dispatched_at = models.DateTimeField(_("dispatched"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("dispatch attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("outbox event")
        verbose_name_plural = _("outbox events")
        ordering = ["id"]
        indexes = [
            # The redispatch sweep reads only undispatched rows: a partial index keeps it
            # O(pending) however long the history grows.
            models.Index(
                fields=["created_at"],
                name="outbox_pending_idx",
                condition=models.Q(dispatched_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} #{self.pk}"


class EventDelivery(models.Model):
    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.CharField(_("subscriber"), max_length=128)
    delivered_at = models.DateTimeField(_("delivered"), auto_now_add=True)

    class Meta:
        verbose_name = _("event delivery")
        verbose_name_plural = _("event deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "subscriber"], name="one_delivery_per_subscriber"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} -> {self.subscriber}"
