from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


def _time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class User(AbstractUser):
    """A person in the community. Logs in with e-mail; ``username`` is the public handle
    used in profile URLs and @mentions, generated at sign-up."""

    email = models.EmailField(_("e-mail address"), blank=True)
    display_name = models.CharField(_("display name"), max_length=80, blank=True)
    locale = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="", blank=True
    )
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True, default="")
    # Imported from another community: no usable password until the person claims it.
    is_imported = models.BooleanField(_("imported"), default=False)
    external_ref = models.CharField(_("external reference"), max_length=128, blank=True, default="")
    signup_ip = models.GenericIPAddressField(_("sign-up IP address"), null=True, blank=True)

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # Case-insensitive unique e-mail (allauth also checks, but only the database can
            # close the race between two sign-ups).
            models.UniqueConstraint(
                Lower("email"), name="user_email_ci_unique", condition=~models.Q(email="")
            ),
            models.UniqueConstraint(
                fields=["external_ref"],
                name="user_external_ref_unique",
                condition=~models.Q(external_ref=""),
            ),
        ]

    def __str__(self) -> str:
        return self.public_name

    @property
    def public_name(self) -> str:
        if self.is_erased:
            # Stored in English (accounts.privacy.pseudonym); shown in the reader's language.
            return gettext("Deleted user %(id)s") % {"id": self.pk}
        return self.display_name or self.username

    @property
    def is_erased(self) -> bool:
        """What accounts.privacy.user_erase leaves: no e-mail, inactive, "deleted-<id>"."""
        # Username first: lists that load only the name (``.only(...)``) never touch the
        # deferred ``is_active`` (one query per row) unless the name already matches.
        return self.username == f"deleted-{self.pk}" and not self.is_active

    def save(self, *args: object, **kwargs: object) -> None:
        if self.email:
            self.email = self.email.strip()
        super().save(*args, **kwargs)


TIME_ZONE_CHOICES = _time_zone_choices()


# --- Privacy (accounts/privacy.py) ----------------------------------------------------------


class DataExportState(models.TextChoices):
    PENDING = "pending", _("Being prepared")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class DataExport(models.Model):
    """A user's "everything you hold about me" archive, built by a Celery task and
    downloaded through an expiring signed link. Deleted when it expires."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="data_exports")
    state = models.CharField(
        max_length=10, choices=DataExportState.choices, default=DataExportState.PENDING
    )
    archive = models.JSONField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    ready_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")

    def __str__(self) -> str:
        return f"Export {self.pk} of {self.user_id}"


class Erasure(models.Model):
    """Marks an account as erased (GDPR art. 17). The User row stays so posts and ledger
    rows keep a pseudonymous owner; the one-to-one makes a second erasure impossible."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="erasure")
    erased_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    erased_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("erasure")
        verbose_name_plural = _("erasures")

    def __str__(self) -> str:
        return f"Erasure of {self.user_id}"


class LegalPage(models.Model):
    """Privacy policy, imprint …: Markdown edited by staff in the admin."""

    slug = models.SlugField(unique=True, max_length=40)
    title = models.CharField(_("title"), max_length=200)
    body_md = models.TextField(_("text"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("legal page")
        verbose_name_plural = _("legal pages")

    def __str__(self) -> str:
        return self.title
