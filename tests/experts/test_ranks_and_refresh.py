from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from experts import services
from experts.models import BadgeAward, ExpertiseScore, Rank
from experts.selectors import user_rank
from experts.tasks import refresh_scores
from tests.experts.conftest import dispatch_all
from tests.experts.helpers import solved_question

pytestmark = pytest.mark.django_db


def test_the_nightly_refresh_decays_old_standing(customer, expert, category):
    solved_question(asker=customer, answerer=expert, category=category)
    dispatch_all()
    before = ExpertiseScore.objects.get(user=expert, category__isnull=True)
    services.scores_refresh(now=before.decayed_at + timedelta(days=360))
    after = ExpertiseScore.objects.get(user=expert, category__isnull=True)
    assert after.decayed_accepted == pytest.approx(before.decayed_accepted / 4)
    assert after.score < before.score
    assert after.accepted_count == before.accepted_count  # raw counts never decay


def test_changing_a_rank_threshold_re_ranks_everyone(customer, expert, category):
    solved_question(asker=customer, answerer=expert, category=category)
    dispatch_all()
    assert user_rank(user_id=expert.pk) == "helper"
    Rank.objects.filter(code="helper").update(min_accepted=2)
    services.ranks_recompute()
    assert user_rank(user_id=expert.pk) == ""


def test_the_refresh_task_awards_the_top_expert_of_a_category(
    make_user, expert, category, settings
):
    for n in range(5):
        solved_question(
            asker=make_user(), answerer=expert, category=category, title=f"Top question {n}"
        )
    dispatch_all()
    refresh_scores()
    refresh_scores()  # twice: still one award
    awards = BadgeAward.objects.filter(user=expert, badge__code="category-top")
    assert list(awards.values_list("category_id", flat=True)) == [category.pk]
    assert BadgeAward.objects.filter(user=expert, badge__code="first-accepted").count() == 1
    assert timezone.now() - awards.get().awarded_at < timedelta(minutes=1)
