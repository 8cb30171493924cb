"""Moderation over HTTP: flag pages, the queue, actions, the audit log and its CSV."""

from __future__ import annotations

import csv
import io

from django.test import Client

from forum.models import Flag, ModerationAction, Thread
from forum.moderation import services


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_flagging_through_the_page_thanks_the_flagger(customer_client, answer):
    response = customer_client.post(f"/moderation/a/{answer.pk}/flag/", {"reason": "spam"})
    assert response.status_code == 302
    assert Flag.objects.filter(post=answer).count() == 1


def test_flagging_twice_through_the_page_is_409(customer_client, answer):
    customer_client.post(f"/moderation/a/{answer.pk}/flag/", {"reason": "spam"})
    response = customer_client.post(f"/moderation/a/{answer.pk}/flag/", {"reason": "spam"})
    assert response.status_code == 409
    assert Flag.objects.count() == 1


def test_flagging_your_own_question_through_the_page_is_403(customer_client, thread):
    response = customer_client.post(f"/moderation/t/{thread.pk}/flag/", {"reason": "spam"})
    assert response.status_code == 403
    assert not Flag.objects.exists()


def test_the_thread_page_shows_flag_buttons_to_others_and_tools_to_moderators(
    thread, answer, moderator, other_customer
):
    page = _client(other_customer).get(f"/t/{thread.pk}/").content.decode()
    assert f"/moderation/t/{thread.pk}/flag/" in page
    assert "/moderation/t/" not in page.replace(f"/moderation/t/{thread.pk}/flag/", "")
    page = _client(moderator).get(f"/t/{thread.pk}/").content.decode()
    assert f"/moderation/t/{thread.pk}/lock/" in page
    assert f"/moderation/a/{answer.pk}/hide/" in page


def test_the_queue_shows_flagged_content_in_context(moderator, answer, customer):
    services.flag_create(
        flagger=customer, thread=answer.thread, post=answer, reason="other", text="Wrong model"
    )
    response = _client(moderator).get("/moderation/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Wrong model" in body and answer.thread.title in body
    assert "Reinstall the driver" in body


def test_a_customer_cannot_see_the_queue_or_act(customer_client, thread):
    assert customer_client.get("/moderation/").status_code == 403
    assert customer_client.post(f"/moderation/t/{thread.pk}/lock/").status_code == 403
    assert not Thread.objects.get(pk=thread.pk).is_locked


def test_a_moderator_locks_a_thread_from_the_page(moderator, thread):
    response = _client(moderator).post(f"/moderation/t/{thread.pk}/lock/", {"reason": "calm"})
    assert response.status_code == 302
    assert Thread.objects.get(pk=thread.pk).is_locked


def test_merging_into_itself_over_http_is_400(moderator, thread):
    response = _client(moderator).post(f"/moderation/t/{thread.pk}/merge/", {"target": thread.pk})
    assert response.status_code == 400
    assert Thread.objects.get(pk=thread.pk).merged_into_id is None


def test_the_audit_log_exports_as_csv_with_old_and_new_values(moderator, thread):
    services.thread_lock(thread=thread, moderator=moderator, locked=True, reason="=cmd()")
    response = _client(moderator).get("/moderation/log.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:5] == ["id", "when", "actor_id", "actor", "action"]
    assert rows[1][4] == "thread_lock"
    assert "'is_locked': False" in rows[1][7] and "'is_locked': True" in rows[1][8]
    # Formula injection is defused.
    assert rows[1][9] == "'=cmd()"


def test_the_audit_log_page_lists_actions_for_staff_only(moderator, thread, customer_client):
    services.thread_lock(thread=thread, moderator=moderator, locked=True)
    assert "thread_lock" in _client(moderator).get("/moderation/log/").content.decode()
    assert customer_client.get("/moderation/log/").status_code == 403


def test_the_api_flags_and_refuses_a_second_flag(customer_client, answer):
    url = f"/api/v1/answers/{answer.pk}/flag/"
    first = customer_client.post(url, {"reason": "spam"}, content_type="application/json")
    second = customer_client.post(url, {"reason": "spam"}, content_type="application/json")
    assert first.status_code == 201
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "conflict"


def test_the_api_refuses_flagging_your_own_answer(answer, other_customer):
    response = _client(other_customer).post(
        f"/api/v1/answers/{answer.pk}/flag/", {"reason": "spam"}, content_type="application/json"
    )
    assert response.status_code == 403


def test_the_api_merge_into_itself_is_400(moderator, thread):
    response = _client(moderator).post(
        f"/api/v1/moderation/threads/{thread.pk}/merge/",
        {"target": thread.pk},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert not ModerationAction.objects.exists()


def test_the_api_queue_and_log_are_for_moderators(moderator, customer_client, answer, customer):
    services.flag_create(flagger=customer, thread=answer.thread, post=answer, reason="spam")
    assert customer_client.get("/api/v1/moderation/queue/").status_code == 403
    data = _client(moderator).get("/api/v1/moderation/queue/").json()
    assert data[0]["post_id"] == answer.pk
    services.post_hide(post=answer, moderator=moderator, hidden=True)
    log = _client(moderator).get("/api/v1/moderation/log/").json()
    assert log["results"][0]["action"] == "post_hide"


def test_the_api_sanctions_a_person(moderator, customer):
    response = _client(moderator).post(
        f"/api/v1/moderation/users/{customer.pk}/sanction/",
        {"kind": "silence", "days": 2, "reason": "Spam"},
        content_type="application/json",
    )
    assert response.status_code == 201
