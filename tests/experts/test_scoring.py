from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from experts import scoring

T0 = datetime(2026, 1, 1, tzinfo=UTC)
HALF_LIFE = 180 * 86400.0


def test_a_sum_loses_half_its_weight_after_one_half_life():
    d = scoring.Decayed(accepted=0.0, answers=0.0, at=T0)
    d.add(accepted=1.0, answers=1.0, when=T0, half_life=HALF_LIFE)
    accepted, answers = d.at_time(T0 + timedelta(days=180), half_life=HALF_LIFE)
    assert accepted == pytest.approx(0.5)
    assert answers == pytest.approx(0.5)


def test_an_update_is_a_multiplication_then_an_addition():
    d = scoring.Decayed(accepted=0.0, answers=0.0, at=T0)
    d.add(accepted=1.0, answers=0.0, when=T0, half_life=HALF_LIFE)
    d.add(accepted=1.0, answers=0.0, when=T0 + timedelta(days=360), half_life=HALF_LIFE)
    assert d.accepted == pytest.approx(1.25)
    assert d.at == T0 + timedelta(days=360)


def test_events_in_any_order_give_the_same_decayed_sum():
    times = [T0 + timedelta(days=n) for n in (0, 40, 13, 400, 7)]
    forward = scoring.Decayed(accepted=0.0, answers=0.0, at=T0)
    for t in sorted(times):
        forward.add(accepted=1.0, answers=1.0, when=t, half_life=HALF_LIFE)
    shuffled = scoring.Decayed(accepted=0.0, answers=0.0, at=T0)
    for t in times:
        shuffled.add(accepted=1.0, answers=1.0, when=t, half_life=HALF_LIFE)
    assert shuffled.accepted == pytest.approx(forward.accepted)
    assert shuffled.at == forward.at
    expected = sum(2 ** (-(max(times) - t).days / 180) for t in times)
    assert forward.accepted == pytest.approx(expected)


def test_subtracting_an_event_undoes_it_exactly():
    d = scoring.Decayed(accepted=0.0, answers=0.0, at=T0)
    d.add(accepted=1.0, answers=0.0, when=T0, half_life=HALF_LIFE)
    d.add(accepted=1.0, answers=0.0, when=T0 + timedelta(days=90), half_life=HALF_LIFE)
    d.add(accepted=-1.0, answers=0.0, when=T0, half_life=HALF_LIFE)
    assert d.accepted == pytest.approx(1.0)


def test_shrinkage_pulls_a_tiny_sample_toward_the_base_rate():
    rate = scoring.shrunk_rate(accepted=1, answers=1, base_rate=0.3, strength=5)
    assert rate == pytest.approx((1 + 1.5) / 6)
    assert rate < 0.5


def test_one_lucky_accept_does_not_beat_a_long_record():
    lucky = scoring.expertise_score(accepted=1, answers=1, base_rate=0.3, strength=5)
    steady = scoring.expertise_score(accepted=8, answers=20, base_rate=0.3, strength=5)
    perfect_but_short = scoring.expertise_score(accepted=3, answers=3, base_rate=0.3, strength=5)
    assert steady > perfect_but_short > lucky


def test_score_tends_to_the_accepted_count_for_a_large_record():
    score = scoring.expertise_score(accepted=400, answers=1000, base_rate=0.3, strength=5)
    assert score == pytest.approx(400, rel=0.01)


def test_the_base_rate_falls_back_to_the_default_without_history():
    assert scoring.base_rate_of(accepted=0, answers=0, default=0.3) == 0.3
    assert scoring.base_rate_of(accepted=5, answers=5, default=0.3) == 0.99


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("203.0.113.7", "203.0.113.200", True),
        ("203.0.113.7", "203.0.114.7", False),
        ("2001:db8:1:2::1", "2001:db8:1:2:ffff::9", True),
        ("2001:db8:1:2::1", "2001:db8:1:3::1", False),
        ("203.0.113.7", None, False),
        ("203.0.113.7", "2001:db8::1", False),
        ("not an ip", "203.0.113.7", False),
    ],
)
def test_same_network_compares_a_24_for_ipv4_and_a_64_for_ipv6(a, b, same):
    assert scoring.same_network(a, b, v4_prefix=24, v6_prefix=64) is same


def test_a_ring_is_suspected_when_reciprocating_askers_dominate():
    # A accepted B's answers twice; B's accepts make up all of A's received accepts.
    assert scoring.ring_suspected(
        asker_id=2,
        accepts_received_by_asker={},
        accepts_given_by_answerer={2: 2},
        accepts_received_by_answerer={2: 2},
        min_reciprocal=2,
        share=0.5,
        min_accepts=3,
    )


def test_an_occasional_mutual_accept_in_a_long_record_is_not_a_ring():
    received = {n: 1 for n in range(10, 40)}
    assert not scoring.ring_suspected(
        asker_id=2,
        accepts_received_by_asker={},
        accepts_given_by_answerer={2: 2},
        accepts_received_by_answerer={**received, 2: 1},
        min_reciprocal=2,
        share=0.5,
        min_accepts=3,
    )


def test_text_evidence_favours_the_profile_that_matches_the_question():
    background = {"toner": 2.0, "wifi": 2.0, "printer": 10.0}
    query = {"toner": 1.0, "printer": 1.0}
    kwargs = {"background": background, "background_total": 100.0, "smoothing": 0.5}
    toner = scoring.text_log_likelihood(
        query=query, profile={"toner": 3.0, "printer": 3.0}, profile_length=10.0, **kwargs
    )
    wifi = scoring.text_log_likelihood(
        query=query, profile={"wifi": 5.0, "printer": 3.0}, profile_length=10.0, **kwargs
    )
    nothing = scoring.text_log_likelihood(query=query, profile={}, profile_length=0.0, **kwargs)
    assert toner > wifi > nothing == 0.0


def test_category_prior_backs_off_to_overall_standing():
    newcomer = scoring.category_prior(
        user_category_score=0.0,
        category_total=10.0,
        user_overall_score=5.0,
        overall_total=50.0,
        backoff=2.0,
    )
    stranger = scoring.category_prior(
        user_category_score=0.0,
        category_total=10.0,
        user_overall_score=0.0,
        overall_total=50.0,
        backoff=2.0,
    )
    assert newcomer > stranger == 0.0
    assert math.isinf(scoring.router_log_score(prior=0.0, text=1.0))


# --- Routing timescale --------------------------------------------------------------------

DAY = 86400.0


def test_the_activity_ladder_is_order_independent_and_decays_each_half_life():
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    early, late = t0, t0 + timedelta(days=10)
    forward = scoring.ladder_add({}, at=early, new_at=early, weight=1.0, when=early)
    forward = scoring.ladder_add(forward, at=early, new_at=late, weight=1.0, when=late)
    backward = scoring.ladder_add({}, at=late, new_at=late, weight=1.0, when=late)
    backward = scoring.ladder_add(backward, at=late, new_at=late, weight=1.0, when=early)
    assert forward == pytest.approx(backward)
    # At a 10-day half-life the older answer counts half, at 2 days 1/32.
    assert forward["h10"] == pytest.approx(1.5)
    assert forward["h2"] == pytest.approx(1 + 2**-5)
    # Withdrawing an answer takes it out again (never below zero).
    gone = scoring.ladder_add(forward, at=late, new_at=late, weight=-1.0, when=late)
    assert gone["h10"] == pytest.approx(0.5)
    assert min(scoring.ladder_add(gone, at=late, new_at=late, weight=-5.0, when=late).values()) == 0


def _events(pattern):
    return [(day * DAY, user) for day, user in pattern]


def test_a_community_that_turns_over_in_days_gets_a_short_half_life():
    # Every fortnight a new crowd answers, then leaves for good.
    pattern = [(w * 14 + d * 0.5, w * 10 + d % 3) for w in range(12) for d in range(20)]
    best, scores = scoring.choose_half_life(_events(pattern))
    assert best is not None and best <= 7
    assert scores[best] > scores[365.0]


def test_a_community_with_steady_regulars_gets_a_long_half_life():
    # The same five people answer in turn for two years, the first of them half the time.
    pattern = [(n * 2.0, 1 if n % 2 else 2 + n % 4) for n in range(365)]
    best, _ = scoring.choose_half_life(_events(pattern))
    assert best is not None and best >= 90


def test_no_half_life_is_chosen_without_an_answer_to_predict():
    assert scoring.choose_half_life([])[0] is None
    best, _ = scoring.choose_half_life(_events([(0, 1), (1, 2), (2, 3)]))
    assert best is None


def test_the_recency_ratio_is_one_at_the_reputation_half_life_and_none_without_a_ladder():
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    sums = scoring.ladder_add({}, at=t0, new_at=t0, weight=4.0, when=t0)
    later = t0 + timedelta(days=30)
    answers_now = 4.0 * 2 ** (-30 / 180)
    assert scoring.recency_ratio(
        activity=sums["h180"], at=t0, now=later, days=180.0, answers_now=answers_now
    ) == pytest.approx(1.0)
    assert scoring.recency_ratio(
        activity=sums["h7"], at=t0, now=later, days=7.0, answers_now=answers_now
    ) == pytest.approx(2 ** (-30 / 7) / 2 ** (-30 / 180))
    assert scoring.recency_ratio(activity=None, at=t0, now=later, days=7.0, answers_now=1.0) is None
