"""Ranking experts costs the same number of queries however many experts there are."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from experts import router
from forum.models import Tag
from tests.experts.conftest import dispatch_all
from tests.experts.helpers import solved_question
from tests.factories import TagFactory


def _experts(make_user, category, count: int) -> None:
    for n in range(count):
        solved_question(asker=make_user(), answerer=make_user(), category=category,
                        title=f"Toner smears on paper {n}", tags=["toner"])  # fmt: skip
    dispatch_all()


def _question(category) -> router.Question:
    tag = Tag.objects.get(name="toner")
    return router.Question(
        category_id=category.pk,
        tag_ids=(tag.pk,),
        title="Toner smears again",
        body="The toner leaves smears on the paper.",
        tag_names=("toner",),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["candidate", "learned"])
def test_ranking_runs_the_same_queries_for_3_or_30_experts(make_user, category, settings, model):
    settings.EXPERTS_ROUTER_MODEL = model
    TagFactory(name="toner")
    counts = []
    for more in (3, 27):
        _experts(make_user, category, more)
        cache.clear()
        router.rank(question=_question(category))  # fills the ten-minute totals cache
        with CaptureQueriesContext(connection) as queries:
            ranked = router.rank(question=_question(category))
        counts.append(len(queries))
    assert len(ranked) == 30
    assert counts[0] == counts[1]
    assert counts[1] <= 8, counts
