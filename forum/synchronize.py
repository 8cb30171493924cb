"""Recompute every denormalised forum field from the rows it summarises.

Each function is safe to run at any time (it locks the row it repairs) and returns
whether it changed anything; ``manage.py forum_repair`` runs them all.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, Q, Sum

from forum.models import Category, Post, Thread, ThreadStatus, Vote


@transaction.atomic
def post_synchronize(post_id: int) -> bool:
    post = Post.objects.select_for_update(no_key=True).get(pk=post_id)
    if post.external_ref:
        # Imported posts carry the source community's vote totals without Vote rows (dumps
        # do not say who voted): there is nothing to recount them from.
        return False
    agg = Vote.objects.filter(post_id=post_id).aggregate(
        score=Sum("value"), up=Count("id", filter=Q(value=1)), down=Count("id", filter=Q(value=-1))
    )
    wanted = {"score": agg["score"] or 0, "upvotes": agg["up"], "downvotes": agg["down"]}
    changed = [k for k, v in wanted.items() if getattr(post, k) != v]
    for k in changed:
        setattr(post, k, wanted[k])
    if changed:
        post.save(update_fields=changed)
    return bool(changed)


@transaction.atomic
def thread_synchronize(thread_id: int) -> bool:
    thread = Thread.objects.select_for_update(no_key=True).get(pk=thread_id)
    visible = Post.objects.filter(thread_id=thread_id, is_hidden=False, is_deleted=False)
    answer_count = visible.count()
    accepted = Post.objects.filter(thread_id=thread_id, is_accepted=True).first()
    wanted: dict[str, object] = {
        "answer_count": answer_count,
        "accepted_answer_id": accepted.pk if accepted else None,
    }
    if thread.status not in (ThreadStatus.CLOSED, ThreadStatus.ESCALATED):
        if accepted:
            wanted["status"] = ThreadStatus.SOLVED
        elif answer_count:
            wanted["status"] = ThreadStatus.ANSWERED
        else:
            wanted["status"] = ThreadStatus.OPEN
    first = visible.order_by("created_at").values_list("created_at", flat=True).first()
    if first and thread.first_answer_at is None:
        wanted["first_answer_at"] = first
    changed = [k for k, v in wanted.items() if getattr(thread, k) != v]
    for k in changed:
        setattr(thread, k, wanted[k])
    if changed:
        thread.save(
            update_fields=[
                k.removesuffix("_id") if k.endswith("_answer_id") else k for k in changed
            ]
        )
    return bool(changed)


@transaction.atomic
def category_synchronize(category_id: int) -> bool:
    category = Category.objects.select_for_update(no_key=True).get(pk=category_id)
    threads = Thread.objects.filter(category_id=category_id, is_hidden=False, is_deleted=False)
    agg = threads.aggregate(
        total=Count("id"),
        solved=Count("id", filter=Q(status=ThreadStatus.SOLVED)),
        unanswered=Count("id", filter=Q(answer_count=0) & ~Q(status=ThreadStatus.CLOSED)),
    )
    wanted = {
        "thread_count": agg["total"],
        "solved_count": agg["solved"],
        "unanswered_count": agg["unanswered"],
    }
    changed = [k for k, v in wanted.items() if getattr(category, k) != v]
    for k in changed:
        setattr(category, k, wanted[k])
    if changed:
        category.save(update_fields=changed)
    return bool(changed)
