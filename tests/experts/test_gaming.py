from __future__ import annotations

import pytest

from experts.models import AcceptanceVerdict, ExpertAcceptance, ExpertiseScore
from experts.selectors import acceptance_is_countable
from tests.experts.conftest import dispatch_all
from tests.experts.helpers import solved_question

pytestmark = pytest.mark.django_db


def _accepted(user) -> int:
    row = ExpertiseScore.objects.filter(user=user, category__isnull=True).first()
    return row.accepted_count if row else 0


def test_two_accounts_accepting_each_other_stop_counting_once_the_ring_shows(make_user, category):
    a, b = make_user(), make_user()
    # A and B take turns asking and accepting each other's answers.
    for n in range(4):
        solved_question(asker=b, answerer=a, category=category, title=f"Ring question B{n} here")
        solved_question(asker=a, answerer=b, category=category, title=f"Ring question A{n} here")
        dispatch_all()
    verdicts = list(
        ExpertAcceptance.objects.filter(user=a)
        .order_by("accepted_at")
        .values_list("verdict", flat=True)
    )
    # Until A has accepted B twice there is no reciprocity to see; after that it is a ring.
    assert verdicts[:2] == [AcceptanceVerdict.COUNTED] * 2
    assert set(verdicts[3:]) == {AcceptanceVerdict.RING}
    assert _accepted(a) <= 3
    assert not acceptance_is_countable(answer_author_id=a.pk, asker_id=b.pk, accepted_by_id=b.pk)


def test_a_small_circle_of_three_is_discounted_too(make_user, category):
    a, b, c = make_user(), make_user(), make_user()
    for n in range(3):
        for asker, answerer in ((b, a), (c, a), (a, b), (a, c)):
            solved_question(
                asker=asker,
                answerer=answerer,
                category=category,
                title=f"Circle question {n} by {asker.pk}",
            )
        dispatch_all()
    rings = ExpertAcceptance.objects.filter(user=a, verdict=AcceptanceVerdict.RING).count()
    assert rings >= 2


def test_an_expert_with_many_honest_askers_keeps_a_mutual_accept(make_user, category):
    expert, friend = make_user(), make_user()
    for n in range(8):
        solved_question(
            asker=make_user(),
            answerer=expert,
            category=category,
            title=f"Honest question number {n}",
        )
    for n in range(2):
        solved_question(
            asker=expert, answerer=friend, category=category, title=f"Expert asks question {n}"
        )
    solved_question(asker=friend, answerer=expert, category=category, title="Friend asks once")
    dispatch_all()
    assert (
        ExpertAcceptance.objects.filter(user=expert, verdict=AcceptanceVerdict.COUNTED).count() == 9
    )


def test_accounts_from_the_same_sign_up_network_do_not_count(make_user, category):
    asker = make_user(signup_ip="198.51.100.17")
    answerer = make_user(signup_ip="198.51.100.230")
    solved_question(asker=asker, answerer=answerer, category=category)
    dispatch_all()
    assert ExpertAcceptance.objects.get(user=answerer).verdict == AcceptanceVerdict.NETWORK
    assert _accepted(answerer) == 0
    assert not acceptance_is_countable(
        answer_author_id=answerer.pk, asker_id=asker.pk, accepted_by_id=asker.pk
    )


def test_same_ipv6_64_is_the_same_network_but_another_64_is_not(make_user, category):
    asker = make_user(signup_ip="2001:db8:5:6::1")
    near = make_user(signup_ip="2001:db8:5:6:abcd::2")
    far = make_user(signup_ip="2001:db8:5:7::2")
    assert not acceptance_is_countable(
        answer_author_id=near.pk, asker_id=asker.pk, accepted_by_id=asker.pk
    )
    assert acceptance_is_countable(
        answer_author_id=far.pk, asker_id=asker.pk, accepted_by_id=asker.pk
    )


def test_the_network_rule_can_be_switched_off(make_user, category, settings):
    settings.EXPERTS_GAMING = {"same_network": False}
    asker = make_user(signup_ip="198.51.100.17")
    answerer = make_user(signup_ip="198.51.100.230")
    assert acceptance_is_countable(
        answer_author_id=answerer.pk, asker_id=asker.pk, accepted_by_id=asker.pk
    )


def test_countable_answers_from_the_record_when_a_thread_is_given(make_user, category):
    asker = make_user(signup_ip="198.51.100.17")
    answerer = make_user(signup_ip="198.51.100.230")
    thread, _ = solved_question(asker=asker, answerer=answerer, category=category)
    dispatch_all()
    assert not acceptance_is_countable(
        answer_author_id=answerer.pk,
        asker_id=asker.pk,
        accepted_by_id=asker.pk,
        thread_id=thread.pk,
    )
