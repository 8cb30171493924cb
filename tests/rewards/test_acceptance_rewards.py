from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.dispatch import event_dispatch
from core.models import OutboxEvent
from forum import services as forum_services
from rewards.models import GrantStatus, Program, RewardGrant, RewardRule, RewardTrigger
from rewards.selectors import ledger_reconcile, wallet_for
from rewards.services.acceptance import thread_rewards_sync
from rewards.services.budget import pending_rewards_release, program_top_up
from tests.factories import UserFactory
from tests.rewards.conftest import answer, ask


@pytest.fixture
def solved(customer, expert, category, rule, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        thread = ask(customer, category)
        post = answer(thread, expert)
        forum_services.answer_accept(thread=thread, post=post, actor=customer)
    return thread, post


def test_an_accepted_answer_earns_the_rules_points_and_cash(solved, expert):
    wallet = wallet_for(user_id=expert.pk)
    assert wallet.points == 50
    assert wallet.cash_balance == 200
    # Fresh reward cash is on hold, not yet available for payout.
    assert wallet.cash_on_hold == 200
    assert wallet.cash_available == 0
    assert ledger_reconcile() == []


def test_the_same_event_delivered_twice_credits_once(solved, expert):
    event = OutboxEvent.objects.get(name="forum.AnswerAccepted")
    # Forget the delivery record and the dispatched mark: a true redelivery.
    from core.models import EventDelivery

    EventDelivery.objects.filter(event=event).delete()
    OutboxEvent.objects.filter(pk=event.pk).update(dispatched_at=None)
    event_dispatch(event_id=event.pk)
    event_dispatch(event_id=event.pk)
    assert RewardGrant.objects.count() == 1
    assert wallet_for(user_id=expert.pk).points == 50
    assert ledger_reconcile() == []


def test_unaccepting_reverses_the_rewards(
    solved, customer, expert, django_capture_on_commit_callbacks
):
    thread, _ = solved
    with django_capture_on_commit_callbacks(execute=True):
        forum_services.answer_unaccept(thread=thread, actor=customer)
    wallet = wallet_for(user_id=expert.pk)
    assert (wallet.points, wallet.cash_balance) == (0, 0)
    assert RewardGrant.objects.get().status == GrantStatus.REVERSED
    assert ledger_reconcile() == []


def test_accepting_another_answer_moves_the_reward(
    solved, customer, expert, other_customer, django_capture_on_commit_callbacks
):
    thread, _ = solved
    with django_capture_on_commit_callbacks(execute=True):
        second = answer(thread, other_customer, "Clean the print head with alcohol.")
        forum_services.answer_accept(thread=thread, post=second, actor=customer)
    assert wallet_for(user_id=expert.pk).points == 0
    assert wallet_for(user_id=other_customer.pk).points == 50
    assert ledger_reconcile() == []


def test_accepting_your_own_answer_earns_nothing(
    customer, category, rule, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        thread = ask(customer, category)
        post = answer(thread, customer, "I fixed it myself by replacing the cable.")
        forum_services.answer_accept(thread=thread, post=post, actor=customer)
    assert wallet_for(user_id=customer.pk).points == 0
    grant = RewardGrant.objects.get()
    assert (grant.status, grant.skip_reason) == (GrantStatus.SKIPPED, "self_accept")
    assert ledger_reconcile() == []


def test_hiding_a_paid_answer_claws_back_into_debt_that_later_rewards_pay_first(
    solved, customer, expert, staff, category, django_capture_on_commit_callbacks
):
    from rewards.services.payouts import payout_method_create, payout_request

    _, post = solved
    # Let the hold pass, then pay the whole wallet out.
    import time_machine

    with time_machine.travel(timezone.now() + timedelta(days=15)):
        method = payout_method_create(user=expert, kind="stripe", stripe_account_id="acct_1X")
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr("django.conf.settings.REWARDS_MIN_PAYOUT_MINOR", 100)
            payout_request(
                user=expert, method_id=method.pk, amount_minor=200, idempotency_key="all"
            )
    assert wallet_for(user_id=expert.pk).cash_balance == 0
    with django_capture_on_commit_callbacks(execute=True):
        forum_services.post_set_hidden(post=post, moderator=staff, hidden=True)
    wallet = wallet_for(user_id=expert.pk)
    assert wallet.cash_balance == -200  # the debt
    assert wallet.cash_available == 0
    assert ledger_reconcile() == []
    # The next reward pays the debt first.
    with django_capture_on_commit_callbacks(execute=True):
        thread = ask(other := UserFactory(), category, "Scanner is not detected anymore")
        reply = answer(thread, expert, "Install the new scanner driver version.")
        forum_services.answer_accept(thread=thread, post=reply, actor=other)
    assert wallet_for(user_id=expert.pk).cash_balance == 0
    assert ledger_reconcile() == []


def test_imported_acceptances_earn_nothing(
    customer, expert, category, rule, django_capture_on_commit_callbacks
):
    from forum.models import Post, Thread

    with django_capture_on_commit_callbacks(execute=True):
        thread = ask(customer, category)
        post = answer(thread, expert)
        Thread.objects.filter(pk=thread.pk).update(external_ref="se:test:1")
        Post.objects.filter(pk=post.pk).update(external_ref="se:test:2")
        forum_services.answer_accept(thread=thread, post=post, actor=customer)
    assert not RewardGrant.objects.exists()
    assert ledger_reconcile() == []


def test_cash_waits_in_the_queue_when_the_budget_is_spent_and_a_top_up_releases_it(
    customer, expert, category, finance, django_capture_on_commit_callbacks
):
    program = Program.objects.create(
        name="Tiny", monthly_budget_minor=300, starts_at=timezone.now() - timedelta(days=1)
    )
    RewardRule.objects.create(
        program=program,
        trigger=RewardTrigger.ANSWER_ACCEPTED,
        amount_points=10,
        amount_cash_minor=200,
    )
    for i in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            thread = ask(customer, category, f"Question number {i} about printers")
            post = answer(thread, expert)
            forum_services.answer_accept(thread=thread, post=post, actor=customer)
    wallet = wallet_for(user_id=expert.pk)
    assert wallet.points == 20  # points still flow
    assert wallet.cash_balance == 200
    assert wallet.pending_cash == 200
    assert ledger_reconcile() == []
    assert pending_rewards_release() == 0  # still no budget
    with django_capture_on_commit_callbacks(execute=True):
        program_top_up(program=program, amount_minor=500, actor=finance)
    wallet = wallet_for(user_id=expert.pk)
    assert (wallet.cash_balance, wallet.pending_cash) == (400, 0)
    assert ledger_reconcile() == []


def test_rank_multipliers_scale_the_reward(
    customer, expert, category, program, django_capture_on_commit_callbacks
):
    from experts.models import ExpertiseScore

    RewardRule.objects.create(
        program=program,
        trigger=RewardTrigger.ANSWER_ACCEPTED,
        amount_points=100,
        amount_cash_minor=0,
        rank_multipliers={"expert": 150},
    )
    thread = ask(customer, category)
    post = answer(thread, expert)
    forum_services.answer_accept(thread=thread, post=post, actor=customer)
    # experts owns ranks; give this user the overall rank its scores would, then let the
    # rewards handler run (the on-commit dispatch is not run in this test transaction).
    ExpertiseScore.objects.create(
        user=expert, category=None, rank="expert", decayed_at=timezone.now()
    )
    thread_rewards_sync(thread_id=thread.pk)
    grant = RewardGrant.objects.get(rule__amount_points=100)
    assert grant.multiplier_pct == 150
    assert grant.points_minor == 150
    assert ledger_reconcile() == []


def test_an_acceptance_experts_does_not_count_earns_nothing(
    category, rule, django_capture_on_commit_callbacks
):
    # Asker and answerer signed up from the same network: experts' anti-gaming rule says
    # the acceptance does not count, and rewards follows experts' verdict.
    asker = UserFactory(signup_ip="203.0.113.10")
    helper = UserFactory(signup_ip="203.0.113.77")
    with django_capture_on_commit_callbacks(execute=True):
        thread = ask(asker, category)
        post = answer(thread, helper)
        forum_services.answer_accept(thread=thread, post=post, actor=asker)
    grant = RewardGrant.objects.get()
    assert (grant.status, grant.skip_reason) == (GrantStatus.SKIPPED, "not_countable")
    assert wallet_for(user_id=helper.pk).points == 0
    assert ledger_reconcile() == []
