"""The importer on the real beer.stackexchange.com dump (imported once for this module)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Q

from accounts.models import User
from core.models import OutboxEvent
from forum import synchronize
from forum.importers.stackexchange import stackexchange_import
from forum.models import Category, ImportSource, Post, Tag, Thread, ThreadStatus, Vote
from tests.importers.conftest import BEER_DUMP

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not BEER_DUMP.is_dir(), reason="beer dump not available"),
]
SITE = "se:beer.stackexchange.com:"


def _remove_import() -> None:
    Thread.objects.filter(external_ref__startswith=SITE).update(
        accepted_answer=None, duplicate_of=None
    )
    Post.objects.filter(external_ref__startswith=SITE).delete()
    Thread.objects.filter(external_ref__startswith=SITE).delete()
    User.objects.filter(external_ref__startswith=SITE).delete()
    Tag.objects.all().delete()
    ImportSource.objects.all().delete()
    Category.objects.filter(slug="beer").delete()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM forum_thread_fts")


@pytest.fixture(scope="module")
def beer(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        report = stackexchange_import(directory=BEER_DUMP)
        try:
            yield report
        finally:
            _remove_import()


def test_every_question_and_answer_of_the_beer_dump_is_imported(beer):
    assert Thread.objects.filter(external_ref__startswith=SITE).count() == 1029
    assert Post.objects.filter(external_ref__startswith=SITE).count() == 2277
    assert beer.imported["questions"] == 1029
    assert beer.imported["answers"] == 2277


def test_all_619_accepted_answers_solve_their_threads(beer):
    assert Post.objects.filter(is_accepted=True, accepted_at__isnull=False).count() == 619
    solved = Thread.objects.filter(status=ThreadStatus.SOLVED)
    assert solved.count() == 619
    assert solved.filter(accepted_answer__isnull=True).count() == 0
    assert solved.filter(solved_at__isnull=True).count() == 0
    assert Category.objects.get(slug="beer").solved_count == 619


def test_rerunning_the_import_creates_nothing(beer):
    again = stackexchange_import(directory=BEER_DUMP)

    assert sum(again.imported.values()) == 0
    assert again.existing["questions"] == 1029
    assert again.existing["answers"] == 2277
    assert Thread.objects.count() == 1029


def test_the_denormalised_counters_need_no_repair(beer):
    sample = Thread.objects.order_by("id").values_list("id", flat=True)[:100]
    assert not any(synchronize.thread_synchronize(pk) for pk in sample)
    assert not synchronize.category_synchronize(Category.objects.get(slug="beer").pk)
    assert Thread.objects.filter(answer_count__gt=0, first_answer_at__isnull=True).count() == 0


def test_votes_become_totals_and_no_vote_rows(beer):
    assert Vote.objects.count() == 0
    assert Post.objects.filter(upvotes__gt=0).exists()
    assert not Post.objects.filter(~Q(score=models_score())).exists()


def models_score():
    from django.db.models import F

    return F("upvotes") - F("downvotes")


def test_duplicates_link_to_their_originals(beer):
    assert Thread.objects.filter(duplicate_of__isnull=False).count() == 24


def test_the_import_published_no_events(beer):
    assert OutboxEvent.objects.count() == 0


def test_imported_users_have_unique_usernames_and_no_password(beer):
    users = User.objects.filter(external_ref__startswith=SITE)
    assert users.count() > 1000
    assert users.values("username").distinct().count() == users.count()
    assert not any(u.has_usable_password() for u in users[:50])
