from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.exceptions import PermissionDenied
from forum import services as forum_services
from rewards.models import Bounty, BountyStatus
from rewards.selectors import ledger_reconcile, wallet_for
from rewards.services import bounties_expire, bounty_create
from tests.rewards.conftest import answer, ask, fund_points


@pytest.fixture
def question(customer, category):
    fund_points(customer, 300)
    return ask(customer, category)


def test_a_bounty_goes_to_the_accepted_answer_and_back_to_escrow_on_unaccept(
    question, customer, expert, django_capture_on_commit_callbacks
):
    bounty_create(thread_id=question.pk, funder=customer, currency="PTS", amount_minor=100)
    assert wallet_for(user_id=customer.pk).points == 200
    with django_capture_on_commit_callbacks(execute=True):
        post = answer(question, expert)
        forum_services.answer_accept(thread=question, post=post, actor=customer)
    assert wallet_for(user_id=expert.pk).points == 100
    assert Bounty.objects.get().status == BountyStatus.AWARDED
    assert ledger_reconcile() == []
    with django_capture_on_commit_callbacks(execute=True):
        forum_services.answer_unaccept(thread=question, actor=customer)
    assert wallet_for(user_id=expert.pk).points == 0
    assert Bounty.objects.get().status == BountyStatus.OPEN
    assert ledger_reconcile() == []


def test_an_unawarded_bounty_is_refunded_when_it_expires_once(question, customer):
    bounty_create(thread_id=question.pk, funder=customer, currency="PTS", amount_minor=100)
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        assert bounties_expire() == 1
        assert bounties_expire() == 0
    assert wallet_for(user_id=customer.pk).points == 300
    assert Bounty.objects.get().status == BountyStatus.REFUNDED
    assert ledger_reconcile() == []


def test_a_bounty_larger_than_the_points_wallet_is_refused(question, customer):
    with pytest.raises(ValidationError):
        bounty_create(thread_id=question.pk, funder=customer, currency="PTS", amount_minor=301)
    assert not Bounty.objects.exists()
    assert wallet_for(user_id=customer.pk).points == 300


def test_only_the_asker_or_staff_offer_bounties_and_only_staff_offer_cash(
    question, customer, other_customer, staff
):
    fund_points(other_customer, 100)
    with pytest.raises(PermissionDenied):
        bounty_create(thread_id=question.pk, funder=other_customer, currency="PTS", amount_minor=50)
    with pytest.raises(PermissionDenied):
        bounty_create(thread_id=question.pk, funder=customer, currency="EUR", amount_minor=500)
    bounty = bounty_create(thread_id=question.pk, funder=staff, currency="EUR", amount_minor=500)
    assert bounty.funded_by_budget
    assert ledger_reconcile() == []
