"""Cost of notifying a thread with many watchers: queries and seconds of the PostCreated
handler (asker + mentions + thread and category watchers), and of the e-mail task.

    export DJANGO_ENV=test
    export DATABASE_URL=postgres://community:community@localhost:5432/community_notifybench
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/notify_fanout.py --watchers 10000

Everything it writes is rolled back at the end, so it can run on any database. The e-mail
part uses Django's in-memory mail backend (no server) on a sample of the notifications.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from core.markup import render_markdown  # noqa: E402
from forum.events import PostCreated  # noqa: E402
from forum.models import Category, Post, Thread  # noqa: E402
from notifications import delivery, handlers  # noqa: E402
from notifications.models import EmailState, Notification, Watch  # noqa: E402


class Rollback(Exception):
    pass


def measure(label: str, func):  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        started = time.perf_counter()
        result = func()
        seconds = time.perf_counter() - started
    queries = [q for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]
    db_seconds = sum(float(q["time"]) for q in queries)
    print(
        f"{label:<44} {len(queries):>5} queries {seconds:>7.3f} s"
        f" (database {db_seconds:.3f} s) -> {result}"
    )
    if os.environ.get("BENCH_VERBOSE"):
        for q in sorted(queries, key=lambda q: -float(q["time"]))[:5]:
            print(f"    {q['time']} {q['sql'][:150]}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--watchers", type=int, default=10_000)
    parser.add_argument("--mail-sample", type=int, default=500)
    args = parser.parse_args()
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    print(
        f"vendor: {connection.vendor}, watchers: {args.watchers}, "
        f"batch size: {settings.NOTIFICATIONS_BATCH_SIZE}"
    )
    try:
        with transaction.atomic():
            now = timezone.now()
            password = make_password(None)  # unusable
            stamp = int(time.time())
            users = User.objects.bulk_create(
                User(
                    username=f"fanout{stamp}_{i}",
                    email=f"fanout{stamp}_{i}@example.com",
                    password=password,
                )
                for i in range(args.watchers + 2)
            )
            asker, answerer, watchers = users[0], users[1], users[2:]
            category = Category.objects.create(name="Fan-out", slug=f"fanout-{stamp}")
            thread = Thread.objects.create(
                category=category,
                author=asker,
                title="A very popular question",
                body_md="Everyone wants to know.",
                body_html=render_markdown("Everyone wants to know."),
                created_at=now,
                last_activity_at=now,
            )
            half = len(watchers) // 2
            Watch.objects.bulk_create(
                [Watch(user=u, thread=thread) for u in watchers[:half]]
                + [Watch(user=u, category=category) for u in watchers[half:]],
                batch_size=2000,
            )
            body = f"Here is how. cc @{watchers[0].username} @{watchers[1].username}"
            post = Post.objects.create(
                thread=thread,
                author=answerer,
                body_md=body,
                body_html=render_markdown(body),
                created_at=now,
            )
            event = PostCreated(
                post_id=post.pk,
                thread_id=thread.pk,
                category_id=category.pk,
                author_id=answerer.pk,
                asker_id=asker.pk,
                is_first_answer=True,
                is_official=False,
                created_at=now.isoformat(),
                event_id=1,
            )
            measure(
                "PostCreated handler (fan-out)",
                lambda: (
                    handlers.on_post_created(event)
                    or Notification.objects.filter(dedupe_key=f"forum.post:{post.pk}").count()
                ),
            )
            measure(
                "same event again (dedupe, nothing created)",
                lambda: (
                    handlers.on_post_created(event)
                    or Notification.objects.filter(dedupe_key=f"forum.post:{post.pk}").count()
                ),
            )
            sample = list(
                Notification.objects.filter(
                    dedupe_key=f"forum.post:{post.pk}", email_state=EmailState.PENDING
                ).values_list("pk", flat=True)[: args.mail_sample]
            )
            measure(
                f"e-mail task, {len(sample)} instant e-mails",
                lambda: delivery.notification_emails_send(notification_ids=sample),
            )
            raise Rollback
    except Rollback:
        print("rolled back")


if __name__ == "__main__":
    main()
