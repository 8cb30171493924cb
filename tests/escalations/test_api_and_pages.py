"""The desk under /api/v1/escalations/ and /staff/escalations/: staff only, one error shape,
queries that do not grow with the number of cases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from escalations import services
from escalations.models import Case, CaseNote, CaseState, WebhookDelivery, WebhookEndpoint
from forum.models import Post
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.ESCALATIONS_CUSTOMER_WAIT = timedelta(0)
    settings.ESCALATIONS_AUTO_ASSIGN = False


def _api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def cases(ask, committed, customer, staff):
    made = []
    for n in range(3):
        thread = ask(customer, title=f"Printer question number {n} here")
        made.append(
            committed(services.escalation_open_by_moderator, thread_id=thread.pk, moderator=staff)
        )
    return made


def test_the_queue_is_staff_only(cases, customer):
    url = reverse("api:escalation_cases")
    assert _api().get(url).status_code == 401
    response = _api(customer).get(url)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_the_queue_lists_cases_by_due_time_with_counts(cases, staff):
    response = _api(staff).get(reverse("api:escalation_cases"))
    assert response.status_code == 200
    body = response.json()
    assert [c["id"] for c in body["results"]] == [c.pk for c in cases]
    assert body["counts"]["open"] == 3
    assert body["results"][0]["breached"] is False


def test_the_queue_costs_the_same_queries_for_three_or_six_cases(
    ask, committed, cases, customer, staff
):
    client = _api(staff)
    url = reverse("api:escalation_cases")
    with CaptureQueriesContext(connection) as three:
        client.get(url)
    for n in range(3):
        thread = ask(customer, title=f"Another printer question {n}")
        committed(services.escalation_open_by_moderator, thread_id=thread.pk, moderator=staff)
    with CaptureQueriesContext(connection) as six:
        client.get(url)
    # roles of the viewer (1), count (1), page with thread/category/customer/assignee
    # joined (1), state counts (1).
    assert len(six.captured_queries) == len(three.captured_queries)
    assert len(three.captured_queries) <= 5


def test_queue_filters_by_state_category_and_assignee(cases, staff, other_category):
    services.case_claim(case_id=cases[0].pk, actor=staff)
    client = _api(staff)
    url = reverse("api:escalation_cases")
    assert [c["id"] for c in client.get(url, {"assignee": "me"}).json()["results"]] == [cases[0].pk]
    assert len(client.get(url, {"assignee": "none"}).json()["results"]) == 2
    assert len(client.get(url, {"state": "assigned"}).json()["results"]) == 1
    assert client.get(url, {"category": other_category.pk}).json()["results"] == []
    assert client.get(url, {"state": "bogus"}).status_code == 400


def test_claim_note_answer_and_resolve_through_the_api(cases, staff):
    client = _api(staff)
    pk = cases[0].pk
    assert client.post(reverse("api:escalation_claim", args=[pk])).status_code == 200
    conflict = client.post(reverse("api:escalation_claim", args=[pk]))
    assert conflict.status_code == 409
    assert conflict.json()["error"]["code"] == "already_assigned"
    note = client.post(reverse("api:escalation_notes", args=[pk]), {"body": "Checked logs"})
    assert note.status_code == 201
    answer = client.post(
        reverse("api:escalation_answer", args=[pk]), {"body": "Install driver 4.1 please."}
    )
    assert answer.status_code == 200
    assert answer.json()["state"] == CaseState.WAITING_ON_CUSTOMER
    resolved = client.post(reverse("api:escalation_resolve", args=[pk]), {"resolution": "by_staff"})
    assert resolved.json()["state"] == CaseState.RESOLVED
    detail = client.get(reverse("api:escalation_case", args=[pk])).json()
    assert [n["body"] for n in detail["notes"]] == ["Checked logs"]
    assert [e["kind"] for e in detail["events"]][:2] == ["opened", "assigned"]


def test_staff_only_actions_by_a_customer_are_403_and_change_nothing(cases, customer):
    client = _api(customer)
    pk = cases[0].pk
    for name, data in [
        ("api:escalation_claim", {}),
        ("api:escalation_resolve", {}),
        ("api:escalation_notes", {"body": "x"}),
        ("api:escalation_answer", {"body": "Official-looking answer"}),
    ]:
        assert client.post(reverse(name, args=[pk]), data).status_code == 403
    assert Case.objects.get(pk=pk).state == CaseState.OPEN
    assert not CaseNote.objects.exists()
    assert not Post.objects.exists()


def test_a_customer_asks_staff_through_the_api(ask, customer, other_customer):
    thread = ask(customer)
    url = reverse("api:escalation_ask_staff", args=[thread.pk])
    assert _api(other_customer).post(url, {}).status_code == 403
    response = _api(customer).post(url, {"reason": "Nobody answered"})
    assert response.status_code == 201
    again = _api(customer).post(url, {})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_escalated"
    assert (
        _api(customer).post(reverse("api:escalation_ask_staff", args=[999_999]), {}).status_code
        == 404
    )


def test_moderators_escalate_through_the_api(ask, customer, staff):
    thread = ask(customer)
    url = reverse("api:escalation_cases")
    assert _api(customer).post(url, {"thread_id": thread.pk}).status_code == 403
    assert _api(staff).post(url, {"thread_id": thread.pk}).status_code == 201
    assert _api(staff).post(url, {"thread_id": thread.pk}).status_code == 409
    assert _api(staff).post(url, {"thread_id": "x"}).status_code == 400


def test_deliveries_are_listed_and_redelivered_by_staff(cases, staff, customer, monkeypatch):
    endpoint = WebhookEndpoint.objects.create(name="HD", url="http://10.0.0.1/h", secret="k")
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        case=cases[0],
        event="case.opened",
        idempotency_key="k1",
        payload={},
        created_at=cases[0].opened_at,
    )
    assert _api(customer).get(reverse("api:escalation_deliveries")).status_code == 403
    listed = _api(staff).get(reverse("api:escalation_deliveries")).json()["results"]
    assert [d["id"] for d in listed] == [delivery.pk]
    response = _api(staff).post(reverse("api:escalation_redeliver", args=[delivery.pk]))
    assert response.status_code == 202
    assert _api(staff).post(reverse("api:escalation_redeliver", args=[424242])).status_code == 404


def test_duty_toggle(staff):
    response = _api(staff).put(reverse("api:escalation_duty"), {"on_duty": True})
    assert response.json() == {"on_duty": True}


# --- Pages ----------------------------------------------------------------------------------


def test_the_desk_pages_are_staff_only(cases, customer_client, client):
    assert customer_client.get(reverse("escalations:queue")).status_code == 403
    assert customer_client.get(reverse("escalations:case", args=[cases[0].pk])).status_code == 403
    assert client.get(reverse("escalations:queue")).status_code == 302  # to the login page


def test_the_queue_page_shows_cases_counts_and_overdue_flags(cases, staff_client):
    Case.objects.filter(pk=cases[0].pk).update(due_at=cases[0].opened_at - timedelta(hours=1))
    response = staff_client.get(reverse("escalations:queue"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-count="open">3<' in html
    assert 'data-count="breached">1<' in html
    assert "case-breached" in html


def test_the_queue_page_query_count_does_not_grow(
    ask, committed, cases, customer, staff, staff_client
):
    with CaptureQueriesContext(connection) as three:
        staff_client.get(reverse("escalations:queue"))
    for n in range(3):
        thread = ask(customer, title=f"Yet another printer question {n}")
        committed(services.escalation_open_by_moderator, thread_id=thread.pk, moderator=staff)
    with CaptureQueriesContext(connection) as six:
        staff_client.get(reverse("escalations:queue"))
    assert len(six.captured_queries) == len(three.captured_queries)


def test_the_case_page_shows_thread_history_and_notes(ask, cases, staff, staff_client, customer):
    services.case_note_add(case_id=cases[0].pk, author=staff, body="Internal: VIP customer")
    response = staff_client.get(reverse("escalations:case", args=[cases[0].pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert cases[0].thread.title in html
    assert "Internal: VIP customer" in html
    assert cases[1].thread.title in html  # an earlier case of the same customer


def test_case_actions_from_the_page(cases, staff_client, staff):
    pk = cases[0].pk
    url = reverse("escalations:case_action", args=[pk, "claim"])
    assert staff_client.post(url).status_code == 302
    assert Case.objects.get(pk=pk).assignee_id == staff.pk
    staff_client.post(url)  # second claim: a message, not an error page
    staff_client.post(
        reverse("escalations:case_action", args=[pk, "answer"]),
        {"body": "Official: reinstall the driver.", "accept": "on"},
    )
    case = Case.objects.get(pk=pk)
    assert case.state == CaseState.RESOLVED
    assert (
        staff_client.post(reverse("escalations:case_action", args=[pk, "bogus"])).status_code == 404
    )


def test_the_customer_ask_staff_button_target(ask, customer_client, customer, other_customer):
    thread = ask(customer)
    url = reverse("escalations:ask_staff", args=[thread.pk])
    assert customer_client.get(url).status_code == 405
    response = customer_client.post(url, {"reason": "Still broken"})
    assert response.status_code == 302
    assert response["Location"] == thread.get_absolute_url()
    assert Case.objects.filter(thread=thread, source="customer").count() == 1
    other = UserFactory(roles=["customer"])
    from django.test import Client

    other_client = Client()
    other_client.force_login(other)
    assert other_client.post(url).status_code == 403


def test_the_thread_page_tag_says_when_the_asker_may_ask_staff(
    ask, customer, other_customer, staff, settings
):
    from django.contrib.auth.models import AnonymousUser

    from escalations.templatetags.escalations_tags import ask_staff_state

    thread = ask(customer)
    assert ask_staff_state(thread, customer)["can_ask"] is True
    assert ask_staff_state(thread, other_customer)["can_ask"] is False
    assert ask_staff_state(thread, AnonymousUser())["can_ask"] is False
    assert ask_staff_state(thread, staff)["can_escalate"] is True
    settings.ESCALATIONS_CUSTOMER_WAIT = timedelta(hours=24)
    state = ask_staff_state(thread, customer)
    assert state["can_ask"] is False
    assert state["available_at"] == thread.created_at + timedelta(hours=24)
