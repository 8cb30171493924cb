"""Every write of the notifications app. ``notification_send`` is the contract other apps
(experts, rewards, escalations) code against."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from itertools import islice

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.exceptions import NotFound, ValidationError
from core.tasks_queue import enqueue_on_commit
from notifications.kinds import Kind
from notifications.models import (
    EmailFrequency,
    EmailState,
    Notification,
    NotificationPreference,
    NotificationSettings,
    Watch,
)

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "notifications.unsubscribe"
ALL_KINDS = "all"


def _batch_size() -> int:
    return int(getattr(settings, "NOTIFICATIONS_BATCH_SIZE", 1000))


def _email_task_batch() -> int:
    return int(getattr(settings, "NOTIFICATIONS_EMAIL_TASK_BATCH", 200))


def default_email_frequency(kind: str) -> str:
    defaults = getattr(settings, "NOTIFICATIONS_EMAIL_DEFAULT", {})
    if isinstance(defaults, str):
        return defaults
    return defaults.get(kind, EmailFrequency.INSTANT)


def _chunks(items: Iterable[int], size: int) -> Iterable[list[int]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


_EMAIL_STATE_FOR = {
    EmailFrequency.INSTANT: EmailState.PENDING,
    EmailFrequency.DAILY: EmailState.DIGEST,
    EmailFrequency.NEVER: EmailState.NONE,
}


@transaction.atomic
def notification_send(
    *,
    recipient_ids: Iterable[int],
    kind: str,
    title: str,
    url: str,
    actor_id: int | None = None,
    thread_id: int | None = None,
    dedupe_key: str | None = None,
    data: dict | None = None,
) -> int:
    """Notify ``recipient_ids`` (in-app, and by e-mail after commit); return rows created.

    Skips the actor, inactive users, and users who switched the kind off entirely (in-app
    off and e-mail never). With ``dedupe_key`` a recipient who already has a notification
    under that key gets nothing: a redelivered event notifies once, and callers that
    notify one person under several kinds for the same cause (asker, mentioned, watcher)
    pass the same key so the first, most specific one wins.

    Costs two queries per batch of NOTIFICATIONS_BATCH_SIZE recipients (one read of the
    users with their preference and dedupe state, one bulk insert), never one per person.
    """
    if kind not in Kind.values:
        raise ValidationError({"kind": [f"Unknown notification kind {kind!r}."]})
    ids = {int(pk) for pk in recipient_ids}
    ids.discard(actor_id)  # nobody is told about their own action
    if not ids:
        return 0
    title = title[:200]
    url = url[:500]
    data = data or {}
    default_email = default_email_frequency(kind)
    now = timezone.now()
    created_total = 0
    instant_ids: list[int] = []
    prefs = NotificationPreference.objects.filter(user=OuterRef("pk"), kind=kind)
    for batch in _chunks(sorted(ids), _batch_size()):
        users = User.objects.filter(pk__in=batch, is_active=True).annotate(
            pref_email=Subquery(prefs.values("email")[:1]),
            pref_in_app=Subquery(prefs.values("in_app")[:1]),
        )
        if dedupe_key is not None:
            users = users.annotate(
                already=Exists(
                    Notification.objects.filter(recipient=OuterRef("pk"), dedupe_key=dedupe_key)
                )
            ).filter(already=False)
        rows = []
        for user_id, pref_email, pref_in_app in users.values_list(
            "pk", "pref_email", "pref_in_app"
        ):
            email = pref_email or default_email
            in_app = True if pref_in_app is None else pref_in_app
            if not in_app and email == EmailFrequency.NEVER:
                continue  # opted out of this kind entirely
            rows.append(
                Notification(
                    recipient_id=user_id,
                    kind=kind,
                    title=title,
                    url=url,
                    actor_id=actor_id,
                    thread_id=thread_id,
                    data=data,
                    dedupe_key=dedupe_key,
                    # E-mail only: the row carries the e-mail state but is not "unread".
                    read_at=None if in_app else now,
                    email_state=_EMAIL_STATE_FOR[email],
                )
            )
        created = _insert(rows)
        created_total += len(created)
        instant_ids.extend(n.pk for n in created if n.email_state == EmailState.PENDING)
    # Mail goes out from a task after commit: never inside the transaction.
    for chunk in _chunks(instant_ids, _email_task_batch()):
        enqueue_on_commit("notifications.tasks.send_notification_emails", chunk)
    return created_total


def _insert(rows: list[Notification]) -> list[Notification]:
    if not rows:
        return []
    try:
        # Savepoint: a concurrent delivery of the same event may have inserted some of
        # these keys between our read and this insert; that must not abort the caller.
        with transaction.atomic():
            return Notification.objects.bulk_create(rows)
    except IntegrityError:
        created = []
        for row in rows:
            row.pk = None
            try:
                with transaction.atomic():
                    row.save(force_insert=True)
            except IntegrityError:
                continue  # the other delivery won for this recipient: it notified them
            created.append(row)
        return created


# --- Reading state ----------------------------------------------------------------------------


def notification_mark_read(*, user: User, notification_id: int) -> Notification:
    """Mark one of ``user``'s notifications read; someone else's is NotFound."""
    notification = Notification.objects.filter(pk=notification_id, recipient=user).first()
    if notification is None:
        raise NotFound(_("This notification does not exist."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        # Conditional: a concurrent "mark all" must not have its time overwritten.
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def notifications_mark_all_read(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# --- Preferences ------------------------------------------------------------------------------


@transaction.atomic
def preference_set(
    *, user: User, kind: str, email: str | None = None, in_app: bool | None = None
) -> NotificationPreference:
    if kind not in Kind.values:
        raise ValidationError({"kind": [_("Unknown notification kind.")]})
    if email is not None and email not in EmailFrequency.values:
        raise ValidationError({"email": [_("Choose instantly, daily digest or never.")]})
    defaults = {"email": default_email_frequency(kind), "in_app": True}
    pref, _created = NotificationPreference.objects.select_for_update().get_or_create(
        user=user, kind=kind, defaults=defaults
    )
    fields = []
    if email is not None and pref.email != email:
        pref.email = email
        fields.append("email")
    if in_app is not None and pref.in_app != in_app:
        pref.in_app = in_app
        fields.append("in_app")
    if fields:
        pref.save(update_fields=[*fields, "updated_at"])
    return pref


@transaction.atomic
def notification_settings_set(*, user: User, auto_watch: bool) -> NotificationSettings:
    obj, _created = NotificationSettings.objects.update_or_create(
        user=user, defaults={"auto_watch": auto_watch}
    )
    return obj


def unsubscribe_token_make(*, user_id: int, kind: str = ALL_KINDS) -> str:
    return signing.dumps({"u": user_id, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=False)


def unsubscribe_token_read(token: str) -> tuple[User, str]:
    """The user and kind of a signed unsubscribe token; ValidationError when it is bad."""
    try:
        payload = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        user = User.objects.get(pk=int(payload["u"]))
        kind = str(payload["k"])
    except (signing.BadSignature, KeyError, TypeError, ValueError, User.DoesNotExist) as exc:
        raise ValidationError(_("This unsubscribe link is not valid.")) from exc
    if kind != ALL_KINDS and kind not in Kind.values:
        raise ValidationError(_("This unsubscribe link is not valid."))
    return user, kind


@transaction.atomic
def email_unsubscribe(*, token: str) -> tuple[User, str]:
    """Turn off e-mail for the token's kind (or every kind); idempotent."""
    user, kind = unsubscribe_token_read(token)
    kinds = Kind.values if kind == ALL_KINDS else [kind]
    for each in kinds:
        preference_set(user=user, kind=each, email=EmailFrequency.NEVER)
    # Mail already waiting for the digest is dropped too: the person said stop.
    Notification.objects.filter(
        recipient=user, kind__in=kinds, email_state=EmailState.DIGEST
    ).update(email_state=EmailState.NONE)
    return user, kind


# --- Watches ----------------------------------------------------------------------------------


def _watch_create(**lookup: object) -> bool:
    try:
        with transaction.atomic():
            _obj, created = Watch.objects.get_or_create(**lookup)
    except IntegrityError:
        return False  # a concurrent request created it: same outcome
    return created


def thread_watch(*, user: User, thread_id: int) -> bool:
    """Watch a thread; True when the watch is new."""
    return _watch_create(user=user, thread_id=thread_id)


def thread_unwatch(*, user: User, thread_id: int) -> bool:
    deleted, _ = Watch.objects.filter(user=user, thread_id=thread_id).delete()
    return deleted > 0


def category_watch(*, user: User, category_id: int) -> bool:
    return _watch_create(user=user, category_id=category_id)


def category_unwatch(*, user: User, category_id: int) -> bool:
    deleted, _ = Watch.objects.filter(user=user, category_id=category_id).delete()
    return deleted > 0


def thread_auto_watch(*, user_id: int, thread_id: int) -> bool:
    """Askers and answerers follow their thread unless they switched auto-watch off."""
    if NotificationSettings.objects.filter(user_id=user_id, auto_watch=False).exists():
        return False
    try:
        with transaction.atomic():
            _obj, created = Watch.objects.get_or_create(user_id=user_id, thread_id=thread_id)
    except IntegrityError:
        return False
    return created
