"""Support questions customers post outside the community, and what staff did about them.

A ``Source`` is a place we listen to (a feed, a webhook of a social-media tool, a mailbox);
an ``Item`` is one posting from it, classified; a ``ListeningAction`` is one thing staff did
with an item (an append-only record the value dashboard counts).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SourceKind(models.TextChoices):
    RSS = "rss", _("RSS feed")
    ATOM = "atom", _("Atom feed")
    WEBHOOK = "webhook", _("Mention webhook")
    IMAP = "imap", _("IMAP mailbox")
    MAIL = "mail", _("Forwarded mail")


POLLED_KINDS = (SourceKind.RSS, SourceKind.ATOM, SourceKind.IMAP)


class Source(models.Model):
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=10, choices=SourceKind.choices)
    # Feeds: the feed URL. IMAP: imaps://user@host:993/INBOX (the password is the secret).
    url = models.CharField(_("URL"), max_length=1000, blank=True)
    # Webhook and forwarded mail: the HMAC key. IMAP: the mailbox password.
    secret = models.CharField(_("secret"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)
    allow_private = models.BooleanField(
        _("allow private addresses"),
        default=False,
        help_text=_("Allow a feed or mailbox on a private or loopback address (on-premises)."),
    )
    default_category = models.ForeignKey(
        "forum.Category",
        verbose_name=_("default category"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # Health, written only by the poller and the inbound endpoints.
    next_poll_at = models.DateTimeField(null=True, blank=True, db_index=True, editable=False)
    last_polled_at = models.DateTimeField(_("last polled"), null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True, editable=False)
    last_error_at = models.DateTimeField(_("last error"), null=True, blank=True, editable=False)
    last_error = models.CharField(_("last error"), max_length=500, blank=True, editable=False)
    consecutive_errors = models.PositiveIntegerField(default=0, editable=False)
    items_received = models.PositiveIntegerField(default=0, editable=False)
    # Conditional GET: the feed's validators from the last successful fetch.
    etag = models.CharField(max_length=300, blank=True, editable=False)
    last_modified = models.CharField(max_length=100, blank=True, editable=False)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("listening source")
        verbose_name_plural = _("listening sources")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def is_healthy(self) -> bool:
        return self.consecutive_errors == 0


class Urgency(models.TextChoices):
    LOW = "low", _("low")
    NORMAL = "normal", _("normal")
    HIGH = "high", _("high")


class ItemState(models.TextChoices):
    OPEN = "open", _("needs action")
    FILTERED = "filtered", _("not a support request")
    HANDLED = "handled", _("handled")
    DISMISSED = "dismissed", _("dismissed")


class Item(models.Model):
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="items")
    external_id = models.CharField(max_length=500)
    link = models.URLField(_("link"), max_length=1000, blank=True)
    # sha256 of the normalised link: the same posting seen through two feeds is one item.
    link_hash = models.CharField(max_length=64, blank=True, editable=False)
    author = models.CharField(_("author"), max_length=200, blank=True)
    title = models.CharField(_("title"), max_length=300, blank=True)
    # Plain text of the sanitized HTML, cut to settings.LISTENING_ITEM_MAX_CHARS.
    text = models.TextField(_("text"), blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), auto_now_add=True, db_index=True)

    is_support = models.BooleanField(_("support request"), default=False)
    support_probability = models.FloatField(default=0.0)
    category = models.ForeignKey(
        "forum.Category",
        verbose_name=_("category"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    # Why: matched terms with their weights, per decision (see listening.classifier).
    explanation = models.JSONField(default=dict, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=ItemState.choices, default=ItemState.OPEN
    )
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="listening_item_unique_external_id"
            ),
            models.UniqueConstraint(
                fields=["link_hash"],
                condition=~Q(link_hash=""),
                name="listening_item_unique_link",
            ),
        ]
        indexes = [
            # The inbox: open items, most urgent and newest first.
            models.Index(fields=["state", "-received_at"], name="listening_item_inbox"),
        ]
        verbose_name = _("listening item")
        verbose_name_plural = _("listening items")

    def __str__(self) -> str:
        return self.title or self.text[:80] or self.external_id


class ActionKind(models.TextChoices):
    REPLY_LINK = "reply_link", _("replied with a link to a solved thread")
    INVITE = "invite", _("invited the author to ask in the community")
    CREATE_THREAD = "create_thread", _("created a thread on the author's behalf")
    DISMISS = "dismiss", _("dismissed")


class ListeningAction(models.Model):
    """Append-only: one row per thing staff did. The value dashboard counts these."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="actions")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="listening_actions"
    )
    action = models.CharField(_("action"), max_length=20, choices=ActionKind.choices)
    thread = models.ForeignKey(
        "forum.Thread", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The text staff post back where the customer asked (we never post it ourselves).
    reply_text = models.TextField(_("reply"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("listening action")
        verbose_name_plural = _("listening actions")

    def __str__(self) -> str:
        return f"{self.get_action_display()} #{self.item_id}"


class ClassifierModel(models.Model):
    """A trained classifier (weights as JSON). The newest row is used; kept in the database
    so every web and worker process classifies with the same model."""

    created_at = models.DateTimeField(auto_now_add=True)
    version = models.CharField(max_length=40)
    weights = models.JSONField()
    trained_on = models.JSONField(default=dict)  # counts per class, for the admin

    class Meta:
        ordering = ["-created_at", "-id"]
        get_latest_by = "created_at"

    def __str__(self) -> str:
        return f"{self.version} @ {self.created_at:%Y-%m-%d %H:%M}"
