"""PostgreSQL only: real threads racing on one item and on one due source."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from core.exceptions import Conflict
from listening import services
from listening.models import ActionKind, Item, ItemState, ListeningAction, Source, SourceKind
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
    pytest.mark.concurrency,
    pytest.mark.django_db(transaction=True),
]


def run_concurrently(workers: list) -> list:
    barrier = threading.Barrier(len(workers))
    results: list = [None] * len(workers)
    errors: list = []

    def run(index: int, fn) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = fn()
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    return results


def test_four_staff_acting_on_one_item_at_once_record_one_action():
    source = Source.objects.create(name="Feed", kind=SourceKind.RSS, url="https://x.example/")
    item = Item.objects.create(source=source, external_id="1", text="help", state=ItemState.OPEN)
    staff = [UserFactory(roles=["support"]) for _ in range(4)]

    def act(user):
        def go() -> str:
            try:
                services.item_act(item_id=item.pk, actor=user, action=ActionKind.INVITE)
            except Conflict:
                return "conflict"
            return "done"

        return go

    results = run_concurrently([act(user) for user in staff])

    assert sorted(results) == ["conflict", "conflict", "conflict", "done"]
    assert ListeningAction.objects.count() == 1


def test_overlapping_beats_claim_each_due_source_once():
    for n in range(5):
        Source.objects.create(name=f"Feed {n}", kind=SourceKind.RSS, url="https://x.example/")

    results = run_concurrently([services.sources_claim_due for _ in range(4)])

    claimed = [source_id for batch in results for source_id in batch]
    assert len(claimed) == 5 and len(set(claimed)) == 5
