"""Bounties from the thread page: the asker (points) and staff (points or budget cash)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from forum import services as forum_services
from rewards.models import Bounty, BountyStatus
from rewards.selectors import ledger_reconcile, wallet_for
from tests.rewards.conftest import answer, ask, fund_points

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def question(customer, category):
    fund_points(customer, 300)
    return ask(customer, category)


def _offer(client, thread, **data):
    return client.post(reverse("rewards:bounty_offer", args=[thread.pk]), data)


def test_the_asker_offers_points_from_the_thread_page_and_everyone_sees_the_bounty(
    customer, question, django_capture_on_commit_callbacks
):
    asker = _client(customer)
    page = asker.get(question.get_absolute_url()).content.decode()
    assert "Offer a bounty" in page and "You have 300 PTS" in page
    anonymous = Client()
    assert "Bounty:" not in anonymous.get(question.get_absolute_url()).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = _offer(asker, question, amount="120", currency="PTS", days="5")
    assert response.status_code == 302 and response["Location"] == question.get_absolute_url()
    bounty = Bounty.objects.get()
    assert (bounty.amount_minor, bounty.currency, bounty.status) == (120, "PTS", "open")
    assert wallet_for(user_id=customer.pk).points == 180
    # The anonymous page was cached before: the bounty still shows at once.
    shown = anonymous.get(question.get_absolute_url()).content.decode()
    assert "Bounty: 120 PTS" in shown
    assert ledger_reconcile() == []


def test_the_accepted_answer_takes_the_bounty_and_the_banner_goes(
    customer, expert, question, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _offer(_client(customer), question, amount="100", currency="PTS", days="7")
        post = answer(question, expert)
        forum_services.answer_accept(thread=question, post=post, actor=customer)
    assert Bounty.objects.get().status == BountyStatus.AWARDED
    assert wallet_for(user_id=expert.pk).points >= 100
    assert "Bounty:" not in Client().get(question.get_absolute_url()).content.decode()
    assert ledger_reconcile() == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"amount": "301", "currency": "PTS", "days": "7"}, "balance is too low"),
        ({"amount": "0", "currency": "PTS", "days": "7"}, "more than zero"),
        ({"amount": "ten", "currency": "PTS", "days": "7"}, "whole number"),
        ({"amount": "10", "currency": "PTS", "days": "90"}, "between 1 and 60"),
    ],
)
def test_a_bad_offer_is_a_400_with_the_reason_and_changes_nothing(
    customer, question, data, message
):
    response = _offer(_client(customer), question, **data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Bounty.objects.exists()
    assert wallet_for(user_id=customer.pk).points == 300


def test_a_customer_cannot_pay_a_bounty_in_cash(customer, question):
    response = _offer(_client(customer), question, amount="5.00", currency="EUR", days="7")
    assert response.status_code == 403
    assert not Bounty.objects.exists()


def test_someone_else_cannot_offer_a_bounty_on_the_question(other_customer, question):
    fund_points(other_customer, 500)
    client = _client(other_customer)
    assert "Offer a bounty" not in client.get(question.get_absolute_url()).content.decode()
    assert client.get(reverse("rewards:bounty_offer", args=[question.pk])).status_code == 403
    assert _offer(client, question, amount="50", currency="PTS", days="7").status_code == 403
    assert not Bounty.objects.exists()


def test_staff_put_budget_cash_on_any_open_question(staff, question):
    client = _client(staff)
    page = client.get(question.get_absolute_url()).content.decode()
    assert "Euros (program budget)" in page
    response = _offer(client, question, amount="7.50", currency="EUR", days="3")
    assert response.status_code == 302
    bounty = Bounty.objects.get()
    assert (bounty.amount_minor, bounty.currency, bounty.funded_by_budget) == (750, "EUR", True)
    assert ledger_reconcile() == []


def test_no_bounty_form_on_a_solved_question(customer, expert, question):
    post = answer(question, expert)
    forum_services.answer_accept(thread=question, post=post, actor=customer)
    client = _client(customer)
    assert "Offer a bounty" not in client.get(question.get_absolute_url()).content.decode()
    assert _offer(client, question, amount="10", currency="PTS", days="7").status_code == 403


def test_the_offer_page_works_without_the_thread_page_and_needs_a_login(customer, question):
    url = reverse("rewards:bounty_offer", args=[question.pk])
    assert Client().get(url).status_code == 302  # to the login page
    page = _client(customer).get(url)
    assert page.status_code == 200 and question.title in page.content.decode()


def test_bounties_cost_the_open_thread_page_one_query_however_many_there_are(customer, question):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from rewards.services import bounty_create

    def first_view_queries() -> int:
        cache.clear()  # no anonymous page cache, no "already viewed" mark
        with CaptureQueriesContext(connection) as ctx:
            Client().get(question.get_absolute_url())
        return len(ctx.captured_queries)

    first_view_queries()  # warm up per-process lookups
    none = first_view_queries()
    bounty_create(thread_id=question.pk, funder=customer, currency="PTS", amount_minor=10)
    one = first_view_queries()
    for _ in range(3):
        bounty_create(thread_id=question.pk, funder=customer, currency="PTS", amount_minor=10)
    # Thread, tags, COUNT of answers (none yet), the bounties, and the view-count write
    # (savepoint, update, release): the same with 0, 1 or 4 bounties.
    assert none == one == first_view_queries() == 7
