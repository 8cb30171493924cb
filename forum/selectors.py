"""Every non-trivial read in the forum, with exactly the joins its page needs.

The query counts of the pages built on these are pinned by tests in tests/forum/.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, Q, QuerySet

from accounts.models import User
from forum.models import Category, Post, PostComment, Tag, Thread, ThreadStatus, Vote
from forum.permissions import AnyUser, can_moderate


class ThreadFilter:
    ALL = "all"
    UNANSWERED = "unanswered"
    UNSOLVED = "unsolved"
    SOLVED = "solved"
    CHOICES = (ALL, UNANSWERED, UNSOLVED, SOLVED)


class ThreadSort:
    NEWEST = "newest"
    ACTIVE = "active"
    VOTES = "votes"
    CHOICES = (NEWEST, ACTIVE, VOTES)
    ORDERING = {
        NEWEST: ("-created_at", "-id"),
        ACTIVE: ("-last_activity_at", "-id"),
        VOTES: ("-score", "-created_at", "-id"),
    }


def category_list() -> QuerySet[Category]:
    return Category.objects.filter(is_active=True).order_by("position", "name")


def category_get(*, slug: str) -> Category | None:
    return Category.objects.filter(slug=slug, is_active=True).first()


def tag_get(*, slug: str) -> Tag | None:
    return Tag.objects.filter(slug=slug).first()


def visible_threads(viewer: AnyUser) -> QuerySet[Thread]:
    qs = Thread.objects.all()
    if not can_moderate(viewer):
        qs = qs.filter(is_hidden=False, is_deleted=False)
    return qs


def thread_list(
    *,
    viewer: AnyUser,
    category: Category | None = None,
    tag: Tag | None = None,
    author: User | None = None,
    filter: str = ThreadFilter.ALL,
    sort: str = ThreadSort.NEWEST,
) -> QuerySet[Thread]:
    """Threads for list pages: one query for the rows, one for their tags."""
    qs = visible_threads(viewer)
    if category is not None:
        qs = qs.filter(category=category)
    if tag is not None:
        qs = qs.filter(tags=tag)
    if author is not None:
        qs = qs.filter(author=author)
    if filter == ThreadFilter.UNANSWERED:
        qs = qs.filter(answer_count=0).exclude(status=ThreadStatus.CLOSED)
    elif filter == ThreadFilter.UNSOLVED:
        qs = qs.exclude(status__in=[ThreadStatus.SOLVED, ThreadStatus.CLOSED])
    elif filter == ThreadFilter.SOLVED:
        qs = qs.filter(status=ThreadStatus.SOLVED)
    ordering = ThreadSort.ORDERING.get(sort, ThreadSort.ORDERING[ThreadSort.NEWEST])
    return (
        qs.select_related("category", "author")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.only("id", "name", "slug")))
        # The search vector is large and only the search backend reads it.
        .defer("body_md", "body_html", "search_vector")
        .order_by(*ordering)
    )


def paginate(qs: QuerySet, *, page: object, per_page: int) -> Page:
    paginator = Paginator(qs, per_page)
    return paginator.get_page(page)


def thread_get(*, pk: int, viewer: AnyUser) -> Thread | None:
    thread = (
        visible_threads(viewer)
        .select_related("category", "author", "accepted_answer", "accepted_answer__author")
        .prefetch_related("tags")
        .defer("search_vector")
        .filter(pk=pk)
        .first()
    )
    accepted = thread.accepted_answer if thread is not None else None
    if accepted is not None and not accepted.is_visible and not can_moderate(viewer):
        thread.accepted_answer = None  # type: ignore[union-attr]
    return thread


def thread_answers(
    *, thread: Thread, viewer: AnyUser, include_accepted: bool = False
) -> QuerySet[Post]:
    """Answers in reading order, without the accepted one (the page shows it on top)
    unless ``include_accepted`` (the API lists every answer)."""
    qs = Post.objects.filter(thread=thread).select_related("author")
    if not can_moderate(viewer):
        qs = qs.filter(is_hidden=False, is_deleted=False)
    if thread.accepted_answer_id and not include_accepted:
        qs = qs.exclude(pk=thread.accepted_answer_id)
    return qs.order_by("created_at", "id")


@dataclass(frozen=True)
class ThreadPage:
    thread: Thread
    answers: Page
    my_votes: dict[int, int]


def thread_page(*, thread: Thread, viewer: AnyUser, page: object) -> ThreadPage:
    answers = paginate(
        thread_answers(thread=thread, viewer=viewer),
        page=page,
        per_page=settings.FORUM_ANSWERS_PER_PAGE,
    )
    post_ids = [p.pk for p in answers.object_list]
    if thread.accepted_answer_id:
        post_ids.append(thread.accepted_answer_id)
    return ThreadPage(
        thread=thread, answers=answers, my_votes=votes_of(viewer=viewer, post_ids=post_ids)
    )


def votes_of(*, viewer: AnyUser, post_ids: list[int]) -> dict[int, int]:
    if not viewer.is_authenticated or not post_ids:
        return {}
    return dict(
        Vote.objects.filter(user=viewer, post_id__in=post_ids).values_list("post_id", "value")
    )


def imported_comments(
    *, thread: Thread, post_ids: list[int]
) -> dict[int | None, list[PostComment]]:
    """Imported comments of the question (key ``None``) and of the answers ``post_ids``
    (those the page shows, so comments of hidden answers stay hidden with them), in one
    query. Only imported threads have comments: native threads cost no query."""
    if thread.import_source_id is None:
        return {}
    comments: dict[int | None, list[PostComment]] = {}
    rows = PostComment.objects.filter(thread=thread).filter(
        Q(post__isnull=True) | Q(post_id__in=post_ids)
    )
    for comment in rows.order_by("created_at", "id"):
        comments.setdefault(comment.post_id, []).append(comment)
    return comments


def thread_imported_comments(*, thread: Thread, viewer: AnyUser) -> QuerySet[PostComment]:
    """Every imported comment of a thread that ``viewer`` may see (the question's, and
    those of answers visible to them), oldest first: the API's list."""
    answers = thread_answers(thread=thread, viewer=viewer, include_accepted=True)
    return (
        PostComment.objects.filter(thread=thread)
        .filter(Q(post__isnull=True) | Q(post__in=answers.values("pk")))
        .order_by("created_at", "id")
    )


def post_get(*, pk: int, viewer: AnyUser) -> Post | None:
    post = Post.objects.select_related("thread", "author").filter(pk=pk).first()
    if post is None:
        return None
    if not can_moderate(viewer) and not (post.is_visible and post.thread.is_visible):
        return None
    return post


def user_answers(*, user: User, viewer: AnyUser, accepted_only: bool = False) -> QuerySet[Post]:
    qs = Post.objects.filter(author=user).select_related("thread", "thread__category")
    if not can_moderate(viewer):
        qs = qs.filter(
            is_hidden=False, is_deleted=False, thread__is_hidden=False, thread__is_deleted=False
        )
    if accepted_only:
        qs = qs.filter(is_accepted=True)
    return qs.defer("body_md").order_by("-created_at", "-id")


def user_category_stats(*, user: User) -> list[dict]:
    """Answers and accepted answers of ``user`` per category, most accepted first."""
    from django.db.models import Count

    rows = (
        Post.objects.filter(author=user, is_hidden=False, is_deleted=False)
        .values("thread__category__id", "thread__category__name", "thread__category__slug")
        .annotate(answers=Count("id"), accepted=Count("id", filter=Q(is_accepted=True)))
        .order_by("-accepted", "-answers")
    )
    return [
        {
            "id": r["thread__category__id"],
            "name": r["thread__category__name"],
            "slug": r["thread__category__slug"],
            "answers": r["answers"],
            "accepted": r["accepted"],
        }
        for r in rows
    ]


def home_threads(*, viewer: AnyUser, limit: int = 10) -> tuple[list[Thread], list[Thread]]:
    recent = list(thread_list(viewer=viewer, sort=ThreadSort.NEWEST)[:limit])
    unanswered = list(
        thread_list(viewer=viewer, filter=ThreadFilter.UNANSWERED, sort=ThreadSort.NEWEST)[:limit]
    )
    return recent, unanswered
