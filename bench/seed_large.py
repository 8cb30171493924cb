"""Seed a large forum for the benchmark, fast (bulk_create, no events, no per-row renders).

    DJANGO_ENV=test DATABASE_URL=postgres://.../community_bench .venv/bin/python bench/seed_large.py
    .venv/bin/python bench/seed_large.py --threads 2000      # smaller, SQLite (SQLITE_PATH=...)

What it writes (defaults): 5 categories, 2,000 users, 10,000 threads spread over a year, 0-6
answers on each (one "big" thread with 1,000 answers), votes on answers, an accepted answer on
about a third of the answered threads, and revision 1 of every text. Counters of posts and
threads are computed here from the rows written; category counters are then recomputed by
``forum.synchronize.category_synchronize`` (the repair function the app itself uses), and a
sample of threads and posts is checked against ``thread_synchronize``/``post_synchronize``.

Prints the ids the HTTP benchmark needs and writes them to ``bench/out/seed.json``.
It refuses to run on a database that already has threads unless ``--reset`` is given.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import OuterRef, Subquery  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from core.markup import render_markdown  # noqa: E402
from core.models import EventDelivery, OutboxEvent  # noqa: E402
from forum import synchronize  # noqa: E402
from forum.models import Category, Post, Revision, Tag, Thread, ThreadStatus, Vote  # noqa: E402

BATCH = 2000
CATEGORIES = [
    ("Printers", "printers"),
    ("Routers and Wi-Fi", "routers"),
    ("Laptops", "laptops"),
    ("Phones", "phones"),
    ("Billing and accounts", "billing"),
]
TAGS = ["setup", "firmware", "driver", "wifi", "battery", "invoice", "warranty", "bluetooth"]
QUESTION_BODIES = [
    "My device stopped working after the last update.\n\n"
    "I already tried:\n\n1. restarting it\n2. a factory reset\n\n"
    "The log says:\n\n```text\nerror 0x80070005: access denied\n```\n\nAny idea?",
    "Since yesterday the **status light** blinks orange and nothing happens. "
    "The manual (see [the PDF](https://example.com/manual.pdf)) does not mention it.",
    "How do I move my settings to a new device without losing them? "
    "I looked in the menu but only found *export* for the contacts.",
]
ANSWER_BODIES = [
    "Hold the reset button for **ten seconds** until the light turns white, then set it up "
    "again from the app.",
    "This is a known problem with firmware 2.1. Update to 2.2:\n\n```bash\nupdate --channel "
    "stable\n```\n\nThen restart.",
    "Check the cable first, then try another port. If that does not help, "
    "[open a ticket](https://example.com/support).",
    "Same here. What fixed it for me was removing the device from the account and adding it back.",
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=10_000)
    parser.add_argument("--big-answers", type=int, default=1000)
    parser.add_argument("--max-answers", type=int, default=6, help="per normal thread")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--reset", action="store_true", help="delete existing forum data first")
    parser.add_argument("--out", default=str(ROOT / "bench" / "out" / "seed.json"))
    return parser.parse_args()


def step(label: str, started: float) -> float:
    now = time.monotonic()
    print(f"  {label:<44} {now - started:6.1f} s", flush=True)
    return now


def reset() -> None:
    with transaction.atomic():
        Thread.objects.update(accepted_answer=None)
        Vote.objects.all().delete()
        Revision.objects.all().delete()
        Post.objects.all().delete()
        Thread.tags.through.objects.all().delete()
        Thread.objects.all().delete()
        Tag.objects.all().delete()
        Category.objects.all().delete()
        EventDelivery.objects.all().delete()
        OutboxEvent.objects.all().delete()
        User.objects.filter(username__startswith="bench").delete()


def main() -> None:
    args = parse_args()
    rng = random.Random(args.seed)
    vendor = connection.vendor
    print(f"Seeding {connection.settings_dict['NAME']} ({vendor})", flush=True)
    if Thread.objects.exists():
        if not args.reset:
            sys.exit("The database already has threads; pass --reset to replace them.")
        reset()
    t0 = t = time.monotonic()
    now = timezone.now()
    year_ago = now - timedelta(days=365)

    # --- Users: one password hash reused (hashing 2,000 times would dominate the run).
    password = make_password("bench-password-1")
    users = User.objects.bulk_create(
        [
            User(
                username=f"bench{i}",
                email=f"bench{i}@example.com",
                display_name=f"Bench User {i}",
                password=password,
                date_joined=year_ago,
            )
            for i in range(args.users)
        ],
        batch_size=BATCH,
    )
    user_ids = [u.pk for u in users]
    t = step(f"{len(user_ids):,} users", t)

    categories = Category.objects.bulk_create(
        [
            Category(name=name, slug=slug, position=i, description=f"Questions about {name}.")
            for i, (name, slug) in enumerate(CATEGORIES)
        ]
    )
    tags = Tag.objects.bulk_create([Tag(name=n, slug=n) for n in TAGS])
    # Rendering is the slow part of a real write; render each distinct text once.
    question_html = [render_markdown(b) for b in QUESTION_BODIES]
    answer_html = [render_markdown(b) for b in ANSWER_BODIES]

    # --- Plan everything in Python first, so each table is written once by bulk_create
    # (bulk_update of tens of thousands of rows is the slow part otherwise).
    span = (now - year_ago).total_seconds() - 3600
    created = sorted(
        year_ago + timedelta(seconds=rng.uniform(0, span)) for _ in range(args.threads)
    )
    # The big thread is the newest in the first category, so it is also on that page 1.
    big_index = args.threads - len(categories)
    threads: list[Thread] = []
    posts: list[Post] = []
    votes: list[Vote] = []
    for i, created_at in enumerate(created):
        body = rng.randrange(len(QUESTION_BODIES))
        thread = Thread(
            category=categories[i % len(categories)],
            author_id=rng.choice(user_ids),
            title=f"Question {i}: device shows error {rng.randrange(100, 999)} after update",
            body_md=QUESTION_BODIES[body],
            body_html=question_html[body],
            created_at=created_at,
            last_activity_at=created_at,
        )
        is_big = i == big_index
        if is_big:
            thread.title = "Printer offline after firmware update: the megathread"
        threads.append(thread)
        n = args.big_answers if is_big else rng.choice([0, 0, 1, 1, 2, 3, args.max_answers])
        when = created_at
        answers = []
        for author_id in rng.sample(user_ids, min(n, len(user_ids))):
            when = min(when + timedelta(minutes=rng.randrange(1, 600)), now)
            body = rng.randrange(len(ANSWER_BODIES))
            post = Post(
                author_id=author_id,
                body_md=ANSWER_BODIES[body],
                body_html=answer_html[body],
                created_at=when,
            )
            k = rng.randrange(0, 8) if is_big else rng.choice([0, 0, 0, 1, 2, 5])
            for voter in rng.sample(user_ids, k):
                if voter == author_id:
                    continue
                value = 1 if rng.random() < 0.85 else -1
                votes.append(Vote(post=post, user_id=voter, value=value))
                post.score += value
                post.upvotes += value == 1
                post.downvotes += value == -1
            answers.append(post)
        thread.answer_count = len(answers)
        if answers:
            thread.first_answer_at = answers[0].created_at
            thread.last_activity_at = answers[-1].created_at
            thread.status = ThreadStatus.ANSWERED
            if is_big or rng.random() < 0.35:
                chosen = max(answers, key=lambda p: p.score)
                chosen.is_accepted = True
                chosen.accepted_at = chosen.created_at + timedelta(hours=1)
                chosen.accepted_by_id = thread.author_id
                thread.status = ThreadStatus.SOLVED
                thread.solved_at = chosen.accepted_at
        for post in answers:
            post.thread = thread  # resolved to thread_id after the threads are saved
        posts.extend(answers)
    big = threads[big_index]
    t = step("planned in memory", t)

    threads = Thread.objects.bulk_create(threads, batch_size=BATCH)
    t = step(f"{len(threads):,} threads", t)
    through = Thread.tags.through
    through.objects.bulk_create(
        [
            through(thread_id=th.pk, tag_id=tag.pk)
            for th in threads
            for tag in rng.sample(tags, rng.randrange(0, 3))
        ],
        batch_size=BATCH,
    )
    for post in posts:
        post.thread_id = post.thread.pk
    posts = Post.objects.bulk_create(posts, batch_size=BATCH)
    t = step(f"{len(posts):,} answers", t)
    for vote in votes:
        vote.post_id = vote.post.pk
    Vote.objects.bulk_create(votes, batch_size=BATCH)
    t = step(f"{len(votes):,} votes", t)
    # One statement points each solved thread at its accepted answer.
    accepted = Post.objects.filter(thread_id=OuterRef("pk"), is_accepted=True)
    solved = Thread.objects.filter(status=ThreadStatus.SOLVED).update(
        accepted_answer_id=Subquery(accepted.values("pk")[:1])
    )
    t = step(f"accepted answers ({solved:,} solved)", t)

    # --- Revision 1 of every question and answer, as the services would have written.
    revisions = [
        Revision(thread=th, number=1, author_id=th.author_id, title=th.title, body_md=th.body_md)
        for th in threads
    ] + [
        Revision(thread_id=p.thread_id, post=p, number=1, author_id=p.author_id, body_md=p.body_md)
        for p in posts
    ]
    Revision.objects.bulk_create(revisions, batch_size=BATCH)
    t = step(f"{len(revisions):,} revisions", t)

    # --- Category counters through the app's own repair function.
    for category in categories:
        synchronize.category_synchronize(category.pk)
    t = step("category_synchronize x5", t)
    # Spot check: what we computed in Python equals what the repair functions compute.
    sample_threads = [big.pk, *(th.pk for th in rng.sample(threads, 50))]
    drift = [pk for pk in sample_threads if synchronize.thread_synchronize(pk)]
    sample_posts = rng.sample(posts, 200)
    drift += [p.pk for p in sample_posts if synchronize.post_synchronize(p.pk)]
    if drift:
        sys.exit(f"seeded counters disagree with forum.synchronize on {drift[:10]}")
    t = step("spot check against synchronize", t)
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        t = step("ANALYZE", t)

    normal = next(
        th for th in reversed(threads) if th is not big and 3 <= th.answer_count <= args.max_answers
    )
    info = {
        "database": str(connection.settings_dict["NAME"]),
        "vendor": vendor,
        "users": len(user_ids),
        "threads": len(threads),
        "answers": len(posts),
        "votes": len(votes),
        "big_thread_id": big.pk,
        "big_thread_answers": big.answer_count,
        "big_thread_last_page": -(-big.answer_count // settings.FORUM_ANSWERS_PER_PAGE),
        "normal_thread_id": normal.pk,
        "category_slug": categories[0].slug,
        "seconds": round(time.monotonic() - t0, 1),
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(info, indent=2) + "\n")
    print(json.dumps(info, indent=2))


if __name__ == "__main__":
    main()
