"""Benchmark: rank experts for one new question at 100,000 users / 1,000,000 answers.

Usage (PostgreSQL, its own database so nothing else is touched)::

    DATABASE_URL=postgres://community:community@localhost:5432/community_experts_bench \\
        .venv/bin/python bench/experts_route.py [--users 100000] [--answers 1000000] [--runs 300]

The first run migrates and generates synthetic data with bulk inserts (a few minutes);
later runs reuse it. Data model: answer counts per user follow a Zipf-like law summing to
``--answers``; each user's answers spread over 1-3 of 20 categories and a few of 300 tags;
acceptance rate ~ Beta; a profile per user keeps min(300, 12 x answers) terms drawn from a
Zipf vocabulary of 20,000 words. What is timed is ``experts.router.rank`` (candidate
pre-filter, loads, scoring) for random questions, wall clock with ``perf_counter``, after
warm-up, with the cached totals warm (they are refreshed every ten minutes in production;
the cold cost is printed separately).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from experts import conf, scoring  # noqa: E402
from experts.models import (  # noqa: E402
    BaseRate,
    ExpertiseScore,
    ExpertProfile,
    TagExpertise,
    TermStat,
)
from experts.router import Question, rank  # noqa: E402
from forum.models import Category, Tag  # noqa: E402

CATEGORIES = 20
TAGS = 300
VOCABULARY = 20_000
BATCH = 5_000


def _zipf_word(rng: random.Random) -> str:
    # Rank r with probability ~ 1/r: inverse-CDF of a log-uniform draw.
    r = int(VOCABULARY ** rng.random())
    return f"w{r}"


def generate(*, users: int, answers: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    now = timezone.now()
    half_life = conf.half_life_seconds()
    print(f"generating {users} users / {answers} answers …", flush=True)
    categories = [
        Category.objects.get_or_create(slug=f"bench-{i}", defaults={"name": f"Bench {i}"})[0]
        for i in range(CATEGORIES)
    ]
    tags = [
        Tag.objects.get_or_create(slug=f"bench-tag-{i}", defaults={"name": f"bench-tag-{i}"})[0]
        for i in range(TAGS)
    ]
    # Zipf-like answer counts summing to ~answers.
    weights = [1.0 / (i + 1) ** 0.8 for i in range(users)]
    total_w = sum(weights)
    counts = [max(1, round(answers * w / total_w)) for w in weights]
    rng.shuffle(counts)
    start_user = User.objects.count()
    for lo in range(0, users, BATCH):
        User.objects.bulk_create(
            [
                User(username=f"bench{start_user + i}", email="", password="!")
                for i in range(lo, min(lo + BATCH, users))
            ]
        )
    user_ids = list(
        User.objects.filter(username__startswith="bench")
        .order_by("pk")
        .values_list("pk", flat=True)
    )[:users]
    p0 = 0.3
    strength = float(conf.get("EXPERTS_PRIOR_STRENGTH"))
    scores: list[ExpertiseScore] = []
    tag_rows: list[TagExpertise] = []
    profiles: list[ExpertProfile] = []
    df: dict[str, float] = {}
    total_acc = 0.0
    for uid, n in zip(user_ids, counts, strict=False):
        rate = rng.betavariate(2, 5)
        acc = sum(rng.random() < rate for _ in range(min(n, 200))) * (n / min(n, 200))
        age_days = rng.expovariate(1 / 200)
        factor = scoring.decay_factor(elapsed_seconds=age_days * 86400, half_life_seconds=half_life)
        at = now - timedelta(days=age_days)
        total_acc += acc

        def row(
            category_id: int | None,
            share: float,
            *,
            uid: int = uid,
            n: int = n,
            acc: float = acc,
            factor: float = factor,
            at=at,
        ) -> ExpertiseScore:
            a, nn = acc * share * factor, n * share * factor
            return ExpertiseScore(
                user_id=uid, category_id=category_id, accepted_count=round(acc * share),
                answer_count=round(n * share), decayed_accepted=a, decayed_answers=nn,
                decayed_at=at, last_activity_at=at,
                score=scoring.expertise_score(accepted=a, answers=nn, base_rate=p0,
                                              strength=strength),
                activity=scoring.ladder_add({}, at=at, new_at=at, weight=nn, when=at)
                if category_id is None else {},
            )  # fmt: skip

        scores.append(row(None, 1.0))
        cats = rng.sample(categories, rng.randint(1, 3))
        for i, c in enumerate(cats):
            scores.append(row(c.pk, 0.6 if i == 0 else 0.4 / max(len(cats) - 1, 1)))
        for t in rng.sample(tags, min(len(tags), rng.randint(1, 4))):
            s = row(None, rng.uniform(0.1, 0.6))
            tag_rows.append(
                TagExpertise(
                    user_id=uid, tag_id=t.pk, accepted_count=s.accepted_count,
                    answer_count=s.answer_count, decayed_accepted=s.decayed_accepted,
                    decayed_answers=s.decayed_answers, decayed_at=at, score=s.score,
                )
            )  # fmt: skip
        terms: dict[str, float] = {}
        for _ in range(min(300, 12 * n)):
            w = _zipf_word(rng)
            terms[w] = terms.get(w, 0.0) + rng.uniform(0.5, 3.0)
        for w in terms:
            df[w] = df.get(w, 0.0) + 1.0
        profiles.append(
            ExpertProfile(user_id=uid, terms=terms, length=30.0 * n * factor, decayed_at=at)
        )
        if len(scores) >= BATCH * 3:
            ExpertiseScore.objects.bulk_create(scores, batch_size=BATCH)
            TagExpertise.objects.bulk_create(tag_rows, batch_size=BATCH)
            ExpertProfile.objects.bulk_create(profiles, batch_size=1000)
            scores, tag_rows, profiles = [], [], []
            print(".", end="", flush=True)
    ExpertiseScore.objects.bulk_create(scores, batch_size=BATCH)
    TagExpertise.objects.bulk_create(tag_rows, batch_size=BATCH)
    ExpertProfile.objects.bulk_create(profiles, batch_size=1000)
    TermStat.objects.bulk_create(
        [TermStat(term=t, count=c * 10) for t, c in df.items()]
        + [TermStat(term="", count=sum(df.values()) * 300)],
        batch_size=BATCH,
        ignore_conflicts=True,
    )
    BaseRate.objects.create(category=None, accepted=total_acc, answers=float(answers))
    for c in categories:
        BaseRate.objects.create(category=c, accepted=total_acc / 20, answers=answers / 20)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print("\ndone", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument(
        "--model",
        choices=("candidate", "learned"),
        help="routing model to time (default: EXPERTS_ROUTER_MODEL)",
    )
    args = parser.parse_args()
    if args.model:
        from django.conf import settings

        settings.EXPERTS_ROUTER_MODEL = args.model
    if connection.vendor != "postgresql":
        print("note: not PostgreSQL; the budget is for the production database")
    call_command("migrate", verbosity=0)
    have = ExpertiseScore.objects.filter(category__isnull=True).count()
    if have < args.users:
        generate(users=args.users - have, answers=args.answers)
    rng = random.Random(42)
    categories = list(
        Category.objects.filter(slug__startswith="bench-").values_list("pk", flat=True)
    )
    tags = list(Tag.objects.filter(slug__startswith="bench-tag-").values_list("pk", "name"))

    def question() -> Question:
        chosen = rng.sample(tags, 2)
        words = " ".join(_zipf_word(rng) for _ in range(40))
        return Question(
            category_id=rng.choice(categories),
            tag_ids=tuple(pk for pk, _ in chosen),
            title=" ".join(_zipf_word(rng) for _ in range(8)),
            body=words,
            tag_names=tuple(n for _, n in chosen),
        )

    cache.clear()
    t0 = time.perf_counter()
    rank(question=question())
    cold = (time.perf_counter() - t0) * 1000
    for _ in range(20):
        rank(question=question())
    timings = []
    cpu = []
    for _ in range(args.runs):
        q = question()
        t0, c0 = time.perf_counter(), time.process_time()
        result = rank(question=q)
        timings.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    timings.sort()
    users = ExpertiseScore.objects.filter(category__isnull=True).count()
    from experts import conf

    print(
        f"{conf.get('EXPERTS_ROUTER_MODEL')} model on {connection.vendor}: "
        f"{users} users with scores, "
        f"{ExpertProfile.objects.count()} profiles, {len(result)} candidates scored per question"
    )
    print(
        f"rank(): p50 {statistics.median(timings):.1f} ms, "
        f"p95 {timings[int(0.95 * len(timings)) - 1]:.1f} ms, "
        f"max {timings[-1]:.1f} ms over {args.runs} questions; cold first call {cold:.1f} ms"
    )
    print(
        f"client CPU per call: p50 {statistics.median(cpu):.1f} ms; "
        f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )


if __name__ == "__main__":
    main()
