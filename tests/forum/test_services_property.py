"""Property: any sequence of forum writes by anyone keeps every denormalised counter equal
to a full recount, keeps at most one accepted answer per question, and a refused write
changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.exceptions import Conflict, NotFound, PermissionDenied
from forum import services
from forum.models import Post, Thread
from tests.factories import CategoryFactory, UserFactory
from tests.forum.test_services_invariants import assert_synchronized, snapshot

REFUSALS = (ValidationError, PermissionDenied, NotFound, Conflict)
N_USERS = 4  # 0 asks both questions, 3 is a moderator, 1 and 2 are customers
N_THREADS = 2
MAX_POSTS = 6

ASKER, MODERATOR = 0, N_USERS - 1
anyone = st.integers(0, N_USERS - 1)
# Biased towards people who may do the thing, so most writes succeed and the interesting
# states (solved, closed while solved, hidden accepted answer) are reached; the rest are
# refusals, which must change nothing.
answerer = st.sampled_from([1, 2, 2, 1, MODERATOR, ASKER])
accepter = st.sampled_from([ASKER, ASKER, ASKER, MODERATOR, 1])
moderator = st.sampled_from([MODERATOR, MODERATOR, MODERATOR, 2])
thread = st.sampled_from([0, 0, 0, 1])  # mostly one busy question, sometimes the other
post = st.integers(0, MAX_POSTS - 1)
answer_op = st.tuples(st.just("answer"), answerer, thread)
vote_op = st.tuples(st.just("vote"), anyone, post, st.sampled_from([1, -1, 0]))
accept_op = st.tuples(st.just("accept"), accepter, post)
reopen_op = st.tuples(st.just("reopen"), moderator, thread)
# Hypothesis favours earlier branches of one_of: the state-changing ones come first, and a
# branch listed twice weighs double.
operation = st.one_of(
    accept_op,
    accept_op,
    reopen_op,
    st.tuples(st.just("close"), moderator, thread),
    st.tuples(st.just("unaccept"), accepter, thread),
    st.tuples(st.just("hide"), moderator, post, st.booleans()),
    answer_op,
    answer_op,
    vote_op,
    vote_op,
    st.tuples(st.just("edit"), anyone, post),
)


def _apply(op: tuple[Any, ...], users: list, threads: list[Thread], posts: list[Post]) -> None:
    kind, actor = op[0], users[op[1]]
    if kind == "answer":
        if len(posts) < MAX_POSTS:
            posts.append(
                services.answer_create(
                    thread=threads[op[2]], author=actor, body=f"Answer number {len(posts)}."
                )
            )
        return
    if kind in ("unaccept", "close", "reopen"):
        target = threads[op[2]]
        if kind == "unaccept":
            services.answer_unaccept(thread=target, actor=actor)
        elif kind == "close":
            services.thread_close(thread=target, moderator=actor)
        else:
            services.thread_reopen(thread=target, moderator=actor)
        return
    if not posts:
        return
    answer = posts[op[2] % len(posts)]
    if kind == "vote":
        services.vote_cast(post=answer, user=actor, value=op[3])
    elif kind == "accept":
        services.answer_accept(thread=answer.thread, post=answer, actor=actor)
    elif kind == "hide":
        services.post_set_hidden(post=answer, moderator=actor, hidden=op[3])
    elif kind == "edit":
        services.answer_edit(post=answer, editor=actor, body=f"Edited by {actor.pk}.")


@pytest.mark.django_db
@settings(
    max_examples=30,
    deadline=None,
    database=None,  # no .hypothesis/ directory in the work tree
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(operation, min_size=6, max_size=16))
def test_any_sequence_of_writes_keeps_the_counters_true(ops):
    # Each example runs in a savepoint that is rolled back, so examples do not see each other.
    with transaction.atomic():
        category = CategoryFactory(slug="property")
        users = [UserFactory(roles=["customer"]) for _ in range(N_USERS - 1)]
        users.append(UserFactory(roles=["moderator"]))
        threads = [
            services.thread_create(
                author=users[0],
                category=category,
                title=f"Property question {n}",
                body="Something does not work as it should.",
            )
            for n in range(N_THREADS)
        ]
        # Start with answers on both questions, so accepts have something to act on.
        posts: list[Post] = [
            services.answer_create(thread=threads[t], author=users[a], body="A first answer.")
            for t, a in ((0, 1), (0, 2), (1, 1))
        ]
        assert_synchronized()
        for op in ops:
            before = snapshot()
            try:
                _apply(op, users, threads, posts)
            except REFUSALS:
                # Unchanged rows are still synchronized: no need to recount.
                assert snapshot() == before, f"refused {op} but changed rows"
                continue
            assert_synchronized()
            for t in threads:
                assert Post.objects.filter(thread=t, is_accepted=True).count() <= 1
        transaction.set_rollback(True)
