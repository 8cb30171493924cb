"""Building and sending notification e-mails: localized, HTML + text, one-click unsubscribe
(RFC 8058) and, for answers, a reply-by-mail address."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from accounts.models import User
from notifications.kinds import REPLYABLE_KINDS
from notifications.models import Notification
from notifications.services import ALL_KINDS, unsubscribe_token_make

logger = logging.getLogger(__name__)

REPLY_SALT = "notifications.reply"


def _absolute(path: str) -> str:
    if path.startswith(("http://", "https://")):
        return path
    return settings.SITE_URL + path


def user_language(user: User) -> str:
    return user.locale or settings.LANGUAGE_CODE


def unsubscribe_url(*, user_id: int, kind: str = ALL_KINDS) -> str:
    token = unsubscribe_token_make(user_id=user_id, kind=kind)
    return _absolute(reverse("notifications:unsubscribe", kwargs={"token": token}))


# --- Reply by mail ----------------------------------------------------------------------------
# The token lives in the local part of an address, which some mail systems lower-case, so it
# is digits and lower-case hex only: "<user>-<thread>-<hmac>" (not a base64 signing.dumps).


def _reply_mac(user_id: int, thread_id: int) -> str:
    return salted_hmac(REPLY_SALT, f"{user_id}:{thread_id}", algorithm="sha256").hexdigest()[:32]


def reply_token_make(*, user_id: int, thread_id: int) -> str:
    return f"{user_id}-{thread_id}-{_reply_mac(user_id, thread_id)}"


def reply_token_read(token: str) -> tuple[int, int] | None:
    """(user_id, thread_id) of a valid token, else None."""
    parts = token.strip().lower().split("-")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    user_id, thread_id = int(parts[0]), int(parts[1])
    if not constant_time_compare(parts[2], _reply_mac(user_id, thread_id)):
        return None
    return user_id, thread_id


def reply_address(*, user_id: int, thread_id: int) -> str | None:
    domain = getattr(settings, "NOTIFICATIONS_REPLY_DOMAIN", "")
    if not domain:
        return None
    return f"reply+{reply_token_make(user_id=user_id, thread_id=thread_id)}@{domain}"


# --- Messages ---------------------------------------------------------------------------------


def _unsubscribe_headers(url: str) -> dict[str, str]:
    # RFC 8058: the POST target is the same URL; mail clients POST
    # "List-Unsubscribe=One-Click" to it without a login.
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def notification_message(notification: Notification) -> EmailMultiAlternatives:
    """The e-mail for one notification, in its recipient's language."""
    user = notification.recipient
    with translation.override(user_language(user)):
        unsubscribe_kind_url = unsubscribe_url(user_id=user.pk, kind=notification.kind)
        reply_to = None
        if notification.kind in REPLYABLE_KINDS and notification.thread_id:
            reply_to = reply_address(user_id=user.pk, thread_id=notification.thread_id)
        context = {
            "user": user,
            "notification": notification,
            "message": notification.message,
            "actor_name": notification.actor.public_name if notification.actor else "",
            "excerpt": notification.data.get("excerpt", ""),
            "url": _absolute(notification.url),
            "unsubscribe_url": unsubscribe_kind_url,
            "preferences_url": _absolute(reverse("notifications:preferences")),
            "can_reply": reply_to is not None,
            "site_name": settings.SITE_NAME,
        }
        subject = f"[{settings.SITE_NAME}] {notification.message}"
        text = render_to_string("notifications/email/notification.txt", context)
        html = render_to_string("notifications/email/notification.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),  # no header injection through a title
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        reply_to=[reply_to] if reply_to else None,
        headers=_unsubscribe_headers(unsubscribe_kind_url),
    )
    message.attach_alternative(html, "text/html")
    return message


def digest_message(user: User, notifications: list[Notification]) -> EmailMultiAlternatives:
    with translation.override(user_language(user)):
        url = unsubscribe_url(user_id=user.pk)
        items = [
            {"message": n.message, "url": _absolute(n.url), "excerpt": n.data.get("excerpt", "")}
            for n in notifications
        ]
        context = {
            "user": user,
            "items": items,
            "count": len(items),
            "unsubscribe_url": url,
            "preferences_url": _absolute(reverse("notifications:preferences")),
            "list_url": _absolute(reverse("notifications:list")),
            "site_name": settings.SITE_NAME,
        }
        subject = f"[{settings.SITE_NAME}] " + _("Your daily summary: %(count)d updates") % {
            "count": len(items)
        }
        text = render_to_string("notifications/email/digest.txt", context)
        html = render_to_string("notifications/email/digest.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers=_unsubscribe_headers(url),
    )
    message.attach_alternative(html, "text/html")
    return message


def message_send(message: EmailMultiAlternatives) -> str:
    """Send; return "" on success or the error. A failing mail server is logged, never
    raised: the notification is already in the app, the e-mail is marked failed."""
    try:
        message.send(fail_silently=False)
    except Exception as exc:
        logger.warning("notification e-mail to %s failed: %r", message.to, exc)
        return repr(exc)[:500]
    return ""
