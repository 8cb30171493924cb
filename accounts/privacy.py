"""Data export and erasure (GDPR art. 15, 17, 20).

Each app knows its own personal data, so each contributes through this registry from its
``AppConfig.ready()``::

    register_exporter("notifications", notifications.privacy.export_user)
    register_eraser("notifications", notifications.privacy.erase_user)

An exporter returns JSON-serialisable data about one user; an eraser removes or
pseudonymises that user's personal data in its app. Both run inside the transaction of
``user_erase``/the export task, so an eraser that fails leaves nothing half erased.

What stays after an erasure, and why: the User row (posts, votes and ledger rows point at
it; the name becomes "Deleted user <id>"), the posts themselves (other people's answers and
accepted solutions refer to them), and ledger rows (bookkeeping law; they now belong to a
pseudonymous account).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import DataExport, DataExportState, Erasure, User
from accounts.roles import roles_of
from core.exceptions import Conflict, NotFound, PermissionDenied
from core.tasks_queue import enqueue_on_commit

logger = logging.getLogger(__name__)

Exporter = Callable[[User], Any]
Eraser = Callable[[User], None]

_exporters: dict[str, Exporter] = {}
_erasers: dict[str, Eraser] = {}

EXPORT_SALT = "accounts.privacy.export"


def register_exporter(name: str, fn: Exporter) -> None:
    _exporters[name] = fn


def register_eraser(name: str, fn: Eraser) -> None:
    _erasers[name] = fn


def exporters() -> dict[str, Exporter]:
    return dict(_exporters)


def erasers() -> dict[str, Eraser]:
    return dict(_erasers)


def _iso(value: datetime.datetime | None) -> str | None:
    return value.isoformat() if value else None


def export_profile(user: User) -> dict[str, Any]:
    """Accounts' own contribution: the profile and sign-in data."""
    from allauth.account.models import EmailAddress
    from allauth.socialaccount.models import SocialAccount

    return {
        "id": user.pk,
        "username": user.username,
        "display_name": user.display_name,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "email_addresses": [
            {"email": e.email, "verified": e.verified, "primary": e.primary}
            for e in EmailAddress.objects.filter(user=user)
        ],
        "social_accounts": [
            {"provider": s.provider, "uid": s.uid} for s in SocialAccount.objects.filter(user=user)
        ],
        "locale": user.locale,
        "time_zone": user.time_zone,
        "date_joined": _iso(user.date_joined),
        "last_login": _iso(user.last_login),
        "signup_ip": user.signup_ip,
        "roles": sorted(roles_of(user)),
    }


def archive_build(user: User) -> dict[str, Any]:
    archive: dict[str, Any] = {
        "generated_at": timezone.now().isoformat(),
        "site": settings.SITE_NAME,
        "profile": export_profile(user),
    }
    for name, fn in sorted(_exporters.items()):
        archive[name] = fn(user)
    return archive


# --- Export ---------------------------------------------------------------------------------


@transaction.atomic
def data_export_request(*, user: User) -> DataExport:
    """Queue an export; a pending one is reused, so double clicks queue one task."""
    if is_erased(user):
        raise Conflict(_("This account was erased."))
    pending = DataExport.objects.filter(user=user, state=DataExportState.PENDING).first()
    if pending is not None:
        return pending
    export = DataExport.objects.create(user=user)
    enqueue_on_commit("accounts.tasks.build_data_export", export.pk)
    return export


@transaction.atomic
def data_export_build(*, export_id: int) -> bool:
    """Fill the archive (task body). Safe to run twice: a ready export is left alone."""
    export = DataExport.objects.select_for_update().filter(pk=export_id).first()
    if export is None or export.state == DataExportState.READY:
        return False
    # Round-trip through DjangoJSONEncoder so dates, decimals and UUIDs become strings.
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    archive = json.loads(json.dumps(archive_build(export.user), cls=DjangoJSONEncoder))
    export.archive = archive
    export.state = DataExportState.READY
    export.ready_at = timezone.now()
    export.save(update_fields=["archive", "state", "ready_at"])
    return True


def data_export_token(export: DataExport) -> str:
    return signing.TimestampSigner(salt=EXPORT_SALT).sign(str(export.pk))


def data_export_for_token(*, token: str, user: User) -> DataExport:
    """The export a download link points at, if it is the caller's and not expired.
    Every refusal is a NotFound: a guessed or foreign link reveals nothing."""
    max_age = settings.PRIVACY_EXPORT_LINK_MAX_AGE
    try:
        pk = int(signing.TimestampSigner(salt=EXPORT_SALT).unsign(token, max_age=max_age))
    except (signing.BadSignature, ValueError) as exc:
        raise NotFound(_("This download link is invalid or has expired.")) from exc
    export = DataExport.objects.filter(pk=pk, user_id=user.pk, state=DataExportState.READY).first()
    if export is None:
        raise NotFound(_("This download link is invalid or has expired."))
    return export


def data_exports_delete_expired() -> int:
    cutoff = timezone.now() - settings.PRIVACY_EXPORT_LINK_MAX_AGE
    deleted, _ = DataExport.objects.filter(created_at__lt=cutoff).delete()
    return deleted


# --- Erasure --------------------------------------------------------------------------------


def is_erased(user: User) -> bool:
    return Erasure.objects.filter(user_id=user.pk).exists()


def can_erase(actor: User, user: User) -> bool:
    from accounts.permission_table import allows

    if actor.pk == user.pk:
        return allows(actor, "privacy.erase_own")
    return allows(actor, "privacy.erase_any")


def pseudonym(user: User) -> str:
    return f"Deleted user {user.pk}"


@transaction.atomic
def user_erase(*, user: User, actor: User) -> User:
    """Wipe the personal data of ``user``; keep the row under a pseudonym.

    The user row is locked and the one-to-one Erasure row is the guard: a second erasure
    (or two racing) ends in Conflict, with nothing changed.
    """
    if not can_erase(actor, user):
        raise PermissionDenied(_("You may not erase this account."))
    if user.is_superuser and actor.pk != user.pk:
        raise PermissionDenied(_("An administrator account cannot be erased by someone else."))
    user = User.objects.select_for_update().get(pk=user.pk)
    if Erasure.objects.filter(user_id=user.pk).exists():
        raise Conflict(_("This account is already erased."))
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.socialaccount.models import SocialAccount
    from rest_framework.authtoken.models import Token

    for _name, fn in sorted(_erasers.items()):
        fn(user)
    EmailAddress.objects.filter(user=user).delete()
    SocialAccount.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    Token.objects.filter(user=user).delete()
    DataExport.objects.filter(user=user).delete()
    user.email = ""
    user.first_name = ""
    user.last_name = ""
    user.display_name = pseudonym(user)
    user.username = f"deleted-{user.pk}"
    user.signup_ip = None
    user.external_ref = ""
    user.locale = ""
    user.time_zone = ""
    user.is_active = False
    user.is_staff = False
    # A new unusable password changes the session auth hash: every session of this user
    # stops authenticating on its next request, on every server.
    user.set_unusable_password()
    user.save()
    user.groups.clear()
    _sessions_delete(user)
    Erasure.objects.create(user=user, erased_by=actor if actor.pk != user.pk else None)
    logger.info("account %s erased by %s", user.pk, actor.pk)
    return user


def _sessions_delete(user: User) -> None:
    """Delete stored sessions of ``user`` (database sessions only; other engines are
    covered by the changed session hash)."""
    if settings.SESSION_ENGINE != "django.contrib.sessions.backends.db":
        return
    from django.contrib.sessions.models import Session

    user_key = str(user.pk)
    doomed = [
        s.pk
        for s in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if s.get_decoded().get("_auth_user_id") == user_key
    ]
    Session.objects.filter(pk__in=doomed).delete()


# --- IP addresses ---------------------------------------------------------------------------

_ip_purgers: dict[str, Callable[[datetime.datetime], int]] = {}


def register_ip_purger(name: str, fn: Callable[[datetime.datetime], int]) -> None:
    """Apps that keep IP addresses register a function that clears those older than the
    cutoff and returns how many it cleared."""
    _ip_purgers[name] = fn


def ip_addresses_purge() -> dict[str, int]:
    cutoff = timezone.now() - datetime.timedelta(days=settings.PRIVACY_IP_RETENTION_DAYS)
    done = {
        "accounts.signup_ip": User.objects.filter(
            signup_ip__isnull=False, date_joined__lt=cutoff
        ).update(signup_ip=None)
    }
    for name, fn in sorted(_ip_purgers.items()):
        done[name] = fn(cutoff)
    return done
