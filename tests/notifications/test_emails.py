from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from notifications import delivery
from notifications.kinds import Kind
from notifications.models import EmailFrequency, EmailState, Notification, NotificationPreference
from notifications.services import notification_send, preference_set, unsubscribe_token_make

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _reply_domain(settings):
    settings.NOTIFICATIONS_REPLY_DOMAIN = "reply.example.com"
    settings.SITE_URL = "https://help.example.com"


def test_an_answer_sends_one_html_and_text_e_mail_after_commit(
    question, customer, expert, answer_on
):
    answer_on(question, expert)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [customer.email]
    assert question.title in message.subject
    assert "Replace the ink cartridge" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert question.title in html
    assert message.reply_to[0].startswith("reply+")
    assert message.reply_to[0].endswith("@reply.example.com")
    assert message.extra_headers["List-Unsubscribe"].startswith(
        "<https://help.example.com/notifications/unsubscribe/"
    )
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert Notification.objects.get(recipient=customer).email_state == EmailState.SENT


def test_no_e_mail_is_sent_inside_the_transaction(
    customer, expert, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notification_send(
            recipient_ids=[customer.pk], kind=Kind.MENTION, title="T", url="/", actor_id=expert.pk
        )
        assert mail.outbox == []
    assert callbacks  # queued for after commit, not sent


def test_e_mails_are_in_german_for_a_german_user(question, customer, expert, answer_on):
    customer.locale = "de"
    customer.save(update_fields=["locale"])
    answer_on(question, expert)
    message = mail.outbox[0]
    assert "Neue Antwort auf Ihre Frage „" in message.subject
    assert "Hallo" in message.body
    assert "abbestellen" in message.alternatives[0][0]


def test_e_mails_for_an_english_user_stay_english(question, customer, expert, answer_on):
    customer.locale = "en"
    customer.save(update_fields=["locale"])
    answer_on(question, expert)
    assert "New answer to your question" in mail.outbox[0].subject


def test_never_means_in_app_only(question, customer, expert, answer_on):
    preference_set(user=customer, kind=Kind.ANSWER_ON_MY_QUESTION, email=EmailFrequency.NEVER)
    answer_on(question, expert)
    assert mail.outbox == []
    assert Notification.objects.get(recipient=customer).read_at is None


def test_the_daily_digest_collects_waiting_notifications_into_one_e_mail(
    customer, expert, other_customer, django_capture_on_commit_callbacks
):
    preference_set(user=customer, kind=Kind.MENTION, email=EmailFrequency.DAILY)
    for n in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            notification_send(
                recipient_ids=[customer.pk, other_customer.pk],
                kind=Kind.MENTION,
                title=f"Question {n}",
                url=f"/t/{n}/",
                actor_id=expert.pk,
            )
    # other_customer is on instant: three e-mails; customer waits for the digest.
    assert len(mail.outbox) == 3
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert delivery.daily_digests_send() == 1
    assert len(mail.outbox) == 1
    digest = mail.outbox[0]
    assert digest.to == [customer.email]
    for n in range(3):
        assert f"Question {n}" in digest.body
    assert digest.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # Running the digest again sends nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        delivery.daily_digests_send()
    assert len(mail.outbox) == 1
    assert not Notification.objects.filter(email_state=EmailState.DIGEST).exists()


def test_the_unsubscribe_link_works_without_login_and_sets_the_preference(customer):
    token = unsubscribe_token_make(user_id=customer.pk, kind=Kind.MENTION)
    url = reverse("notifications:unsubscribe", kwargs={"token": token})
    client = Client(enforce_csrf_checks=True)
    page = client.get(url)
    assert page.status_code == 200
    assert not NotificationPreference.objects.exists()  # GET only asks
    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    pref = NotificationPreference.objects.get(user=customer, kind=Kind.MENTION)
    assert pref.email == EmailFrequency.NEVER


def test_unsubscribe_from_all_turns_off_every_kind(customer):
    token = unsubscribe_token_make(user_id=customer.pk)
    Client().post(reverse("notifications:unsubscribe", kwargs={"token": token}))
    assert set(
        NotificationPreference.objects.filter(user=customer).values_list("email", flat=True)
    ) == {EmailFrequency.NEVER}
    assert NotificationPreference.objects.filter(user=customer).count() == len(Kind.values)


def test_a_forged_unsubscribe_token_changes_nothing(customer):
    response = Client().post(
        reverse("notifications:unsubscribe", kwargs={"token": "eyJ1IjoxfQ:bad:sig"})
    )
    assert response.status_code == 400
    assert not NotificationPreference.objects.exists()


def test_a_failing_mail_server_marks_the_delivery_failed_without_crashing(
    customer, expert, settings, django_capture_on_commit_callbacks
):
    settings.MAILERS = {"default": {"BACKEND": "tests.notifications.broken_mail.EmailBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        created = notification_send(
            recipient_ids=[customer.pk], kind=Kind.MENTION, title="T", url="/", actor_id=expert.pk
        )
    assert created == 1
    notification = Notification.objects.get(recipient=customer)
    assert notification.email_state == EmailState.FAILED
    assert "refused" in notification.email_error


def test_the_e_mail_task_twice_sends_once(customer, expert):
    notification_send(
        recipient_ids=[customer.pk], kind=Kind.MENTION, title="T", url="/", actor_id=expert.pk
    )
    notification = Notification.objects.get(recipient=customer)
    delivery.notification_emails_send(notification_ids=[notification.pk])
    delivery.notification_emails_send(notification_ids=[notification.pk])
    assert len(mail.outbox) == 1
