"""Who gets asked about a question, with caps, escalation waves and reminders.

Rows are written in short transactions; e-mails go out from separate tasks queued on
commit, never inside a transaction.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import User
from core.tasks_queue import enqueue_on_commit
from experts import conf, router, services
from experts.models import (
    AcceptReminder,
    ExpertAvailability,
    ExpertiseScore,
    RoutingNotification,
)
from experts.selectors import notifications_today
from forum.models import Thread, ThreadStatus

logger = logging.getLogger(__name__)


def _blocked(*, user_ids: list[int], category_id: int) -> set[int]:
    """Users who opted out, or who limited themselves to other categories."""
    blocked = set(
        ExpertAvailability.objects.filter(user_id__in=user_ids, routing_opt_out=True).values_list(
            "user_id", flat=True
        )
    )
    restricted = ExpertAvailability.objects.filter(
        user_id__in=user_ids, categories__isnull=False
    ).values_list("user_id", "categories")
    allowed: dict[int, set[int]] = {}
    for user_id, cat in restricted:
        allowed.setdefault(user_id, set()).add(cat)
    blocked |= {u for u, cats in allowed.items() if category_id not in cats}
    inactive = set(
        User.objects.filter(pk__in=user_ids)
        .filter(Q(is_active=False) | Q(email=""))
        .values_list("pk", flat=True)
    )
    return blocked | inactive


def _daily_cap(user_id: int) -> int:
    own = (
        ExpertAvailability.objects.filter(user_id=user_id)
        .values_list("max_per_day", flat=True)
        .first()
    )
    return int(own if own is not None else conf.get("EXPERTS_ROUTING_DAILY_CAP"))


def question_route(*, thread_id: int, wave: int, now: datetime | None = None) -> int:
    """Ask the best available experts not yet asked about ``thread_id``; returns how many."""
    now = now or timezone.now()
    thread = Thread.objects.filter(pk=thread_id).first()
    if (
        thread is None
        or not thread.is_visible
        or thread.status not in (ThreadStatus.OPEN, ThreadStatus.ANSWERED)
    ):
        return 0
    if RoutingNotification.objects.filter(thread_id=thread_id, wave__gte=wave).exists():
        return 0  # this wave already went out (a redelivered task): ask nobody more
    question = router.question_from_thread(thread_id)
    if question is None:
        return 0
    asked = set(
        RoutingNotification.objects.filter(thread_id=thread_id).values_list("expert_id", flat=True)
    )
    answered = set(thread.posts.values_list("author_id", flat=True))
    suggestions = router.rank(
        question=question, now=now, exclude=asked | answered | {thread.author_id}
    )
    ids = [s.user_id for s in suggestions]
    blocked = _blocked(user_ids=ids[:200], category_id=thread.category_id)
    wanted = int(conf.get("EXPERTS_ROUTING_NOTIFY"))
    sent = 0
    for suggestion in suggestions[:200]:
        if sent >= wanted:
            break
        if suggestion.user_id in blocked:
            continue
        with transaction.atomic():
            # Serialise routing per expert on their overall score row, so two questions
            # routed at once cannot both squeeze under the daily cap.
            ExpertiseScore.objects.select_for_update().filter(
                user_id=suggestion.user_id, category__isnull=True
            ).first()
            if notifications_today(expert_id=suggestion.user_id, now=now) >= _daily_cap(
                suggestion.user_id
            ):
                continue
            row = services.routing_notification_create(
                thread_id=thread_id, expert_id=suggestion.user_id, wave=wave, now=now
            )
            if row is None:
                continue
            enqueue_on_commit("experts.tasks.send_routing_email", row.pk)
        sent += 1
    return sent


def _absolute(path: str) -> str:
    base = getattr(settings, "SITE_URL", "").rstrip("/")
    return f"{base}{path}"


def routing_email_send(*, notification_id: int) -> bool:
    """Send the e-mail for one notification, at most once (compare-and-set first)."""
    row = (
        RoutingNotification.objects.select_related("thread", "expert")
        .filter(pk=notification_id)
        .first()
    )
    if row is None or row.emailed_at is not None:
        return False
    if ExpertAvailability.objects.filter(user=row.expert, routing_opt_out=True).exists():
        return False  # opted out after being picked: never mail them
    expert = row.expert
    with translation.override(expert.locale or settings.LANGUAGE_CODE):
        context = {
            "expert": expert,
            "thread": row.thread,
            "url": _absolute(reverse("forum:thread", kwargs={"pk": row.thread_id})),
            "settings_url": _absolute(reverse("experts:availability")),
            "site_name": settings.SITE_NAME,
        }
        subject = render_to_string("experts/email/routed_question_subject.txt", context).strip()
        body = render_to_string("experts/email/routed_question.txt", context)
    # Claim only now, so a rendering error leaves the row to a retry. A crash between the
    # claim and the SMTP call loses this one e-mail: at most once suits a suggestion.
    if not services.routing_notification_mark_emailed(notification_id=row.pk):
        return False
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [expert.email])
    return True


def unanswered_escalate(*, now: datetime | None = None) -> int:
    """Route the next wave for questions still without an answer RETRY_AFTER after the
    last wave. Driven by the notifications table (indexed by time), not by all threads."""
    now = now or timezone.now()
    retry_after = conf.get("EXPERTS_ROUTING_RETRY_AFTER")
    max_waves = int(conf.get("EXPERTS_ROUTING_MAX_WAVES"))
    due = (
        RoutingNotification.objects.filter(thread__status=ThreadStatus.OPEN, thread__answer_count=0)
        .values("thread_id")
        .annotate(last=Max("created_at"), wave=Max("wave"))
        .filter(last__lt=now - retry_after, wave__lt=max_waves - 1)
    )
    routed = 0
    for row in due[:500]:
        routed += question_route(thread_id=row["thread_id"], wave=row["wave"] + 1, now=now)
    return routed


def askers_remind(*, now: datetime | None = None) -> int:
    """Once per thread: remind the asker to accept when answers exist and none is
    accepted ACCEPT_REMINDER_AFTER after the first answer."""
    now = now or timezone.now()
    after = conf.get("EXPERTS_ACCEPT_REMINDER_AFTER")
    reminded = AcceptReminder.objects.values("thread_id")
    threads = (
        Thread.objects.filter(
            status=ThreadStatus.ANSWERED,
            accepted_answer__isnull=True,
            first_answer_at__lt=now - after,
            is_hidden=False,
            is_deleted=False,
        )
        .exclude(pk__in=reminded)
        .select_related("author")
        .order_by("first_answer_at")[:500]
    )
    sent = 0
    for thread in threads:
        if not services.accept_reminder_claim(thread_id=thread.pk):
            continue
        author = thread.author
        if not author.email or not author.is_active:
            continue
        with translation.override(author.locale or settings.LANGUAGE_CODE):
            context = {
                "user": author,
                "thread": thread,
                "url": _absolute(reverse("forum:thread", kwargs={"pk": thread.pk})),
                "site_name": settings.SITE_NAME,
            }
            subject = render_to_string("experts/email/accept_reminder_subject.txt", context)
            body = render_to_string("experts/email/accept_reminder.txt", context)
        send_mail(subject.strip(), body, settings.DEFAULT_FROM_EMAIL, [author.email])
        sent += 1
    return sent
