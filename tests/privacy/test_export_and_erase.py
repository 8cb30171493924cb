"""Data export behind a signed link, erasure, IP retention, legal pages."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts import privacy
from accounts.models import DataExport, Erasure, LegalPage, User
from accounts.services import api_token_get_or_create
from core.exceptions import Conflict, PermissionDenied
from forum import services as forum_services
from forum.models import Post, Thread
from notifications.models import Notification
from tests.factories import UserFactory


@pytest.fixture
def history(customer, other_customer, category):
    """The customer asked, someone answered, the customer voted and accepted."""
    thread = forum_services.thread_create(
        author=customer, category=category, title="Where is the reset button?",
        body="I cannot find the reset button on my router.",
    )  # fmt: skip
    post = forum_services.answer_create(
        thread=thread, author=other_customer, body="On the back, next to the power plug."
    )
    forum_services.vote_cast(post=post, user=customer, value=1)
    Notification.objects.create(
        recipient=customer, kind="answer", title="New answer", url=f"/t/{thread.pk}/"
    )
    return thread


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_every_app_contributes_to_the_export():
    assert {"forum", "notifications", "escalation_cases"} <= set(privacy.exporters())
    assert {"forum", "notifications", "escalation_cases"} <= set(privacy.erasers())


def test_requesting_an_export_builds_the_archive_and_gives_a_signed_link(
    customer, history, django_capture_on_commit_callbacks
):
    client = _client(customer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/me/exports/")
    assert response.status_code == 202
    listing = client.get("/api/v1/me/exports/").json()
    assert listing[0]["state"] == "ready"
    download = client.get(listing[0]["download_url"])
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    archive = json.loads(download.content)
    assert archive["profile"]["email"] == customer.email
    assert archive["forum"]["questions"][0]["title"] == "Where is the reset button?"
    assert archive["forum"]["votes"][0]["value"] == 1
    assert archive["notifications"]["notifications"][0]["title"] == "New answer"
    assert archive["escalation_cases"] == []


def test_someone_elses_export_link_is_a_404(customer, other_customer, history):
    export = DataExport.objects.create(user=customer)
    privacy.data_export_build(export_id=export.pk)
    token = privacy.data_export_token(export)
    response = _client(other_customer).get(f"/settings/privacy/download/{token}/")
    assert response.status_code == 404


def test_a_guessed_or_expired_link_is_a_404(customer):
    export = DataExport.objects.create(user=customer)
    privacy.data_export_build(export_id=export.pk)
    client = _client(customer)
    assert client.get(f"/settings/privacy/download/{export.pk}/").status_code == 404
    token = privacy.data_export_token(export)
    assert client.get(f"/settings/privacy/download/{token}/").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=3)):
        assert client.get(f"/settings/privacy/download/{token}/").status_code == 404


def test_building_an_export_twice_builds_it_once(customer):
    export = DataExport.objects.create(user=customer)
    assert privacy.data_export_build(export_id=export.pk) is True
    assert privacy.data_export_build(export_id=export.pk) is False


def test_erasing_wipes_personal_data_and_keeps_posts_under_a_pseudonym(
    customer, history, other_customer
):
    EmailAddress.objects.create(user=customer, email=customer.email, verified=True, primary=True)
    api_token_get_or_create(user=customer)
    customer.signup_ip = "203.0.113.9"
    customer.save(update_fields=["signup_ip"])
    client = _client(customer)
    assert client.get("/settings/").status_code == 200

    privacy.user_erase(user=customer, actor=customer)

    user = User.objects.get(pk=customer.pk)
    assert user.email == "" and user.signup_ip is None and not user.is_active
    assert user.public_name == f"Deleted user {user.pk}"
    assert not EmailAddress.objects.filter(user=user).exists()
    assert not Token.objects.filter(user=user).exists()
    assert not Notification.objects.filter(recipient=user).exists()
    # Posts stay, now by the pseudonymous account.
    assert Thread.objects.get(pk=history.pk).author_id == user.pk
    assert Post.objects.filter(thread=history).count() == 1
    # The session is gone: the next request is anonymous.
    assert client.get("/settings/").status_code == 302


def test_erasing_an_already_erased_account_is_a_conflict(customer):
    privacy.user_erase(user=customer, actor=customer)
    with pytest.raises(Conflict):
        privacy.user_erase(user=User.objects.get(pk=customer.pk), actor=customer)
    assert Erasure.objects.count() == 1


def test_erasing_someone_else_needs_an_admin(customer, other_customer):
    with pytest.raises(PermissionDenied):
        privacy.user_erase(user=other_customer, actor=customer)
    assert User.objects.get(pk=other_customer.pk).email


def test_an_admin_erases_an_account_and_a_second_time_gets_409(customer):
    admin = UserFactory(is_superuser=True, is_staff=True)
    client = _client(admin)
    first = client.post(f"/api/v1/users/{customer.pk}/erase/")
    second = client.post(f"/api/v1/users/{customer.pk}/erase/")
    assert first.status_code == 200
    assert second.status_code == 409


def test_a_customer_cannot_erase_someone_else_over_the_api(customer_client, other_customer):
    response = customer_client.post(f"/api/v1/users/{other_customer.pk}/erase/")
    assert response.status_code == 403
    assert not Erasure.objects.exists()


def test_erasing_yourself_on_the_page_needs_your_username(customer, customer_client):
    assert customer_client.post("/settings/erase/", {"confirm": "nope"}).status_code == 400
    assert not Erasure.objects.exists()
    response = customer_client.post("/settings/erase/", {"confirm": customer.username})
    assert response.status_code == 302
    assert Erasure.objects.filter(user=customer).exists()


def test_ip_addresses_are_purged_after_the_retention_period(settings, customer, other_customer):
    settings.PRIVACY_IP_RETENTION_DAYS = 30
    User.objects.filter(pk=customer.pk).update(
        signup_ip="198.51.100.7", date_joined=timezone.now() - timedelta(days=31)
    )
    User.objects.filter(pk=other_customer.pk).update(signup_ip="198.51.100.8")
    from accounts.tasks import purge_ip_addresses

    assert purge_ip_addresses()["accounts.signup_ip"] == 1
    assert User.objects.get(pk=customer.pk).signup_ip is None
    assert User.objects.get(pk=other_customer.pk).signup_ip == "198.51.100.8"


def test_legal_pages_exist_and_render_markdown_safely(client, db):
    LegalPage.objects.update_or_create(
        slug="imprint", defaults={"title": "Imprint", "body_md": "**ACME** <script>x()</script>"}
    )
    response = client.get("/legal/imprint/")
    assert response.status_code == 200
    assert b"<strong>ACME</strong>" in response.content
    assert b"<script>x()" not in response.content
    assert client.get("/legal/privacy/").status_code == 200


def test_erasure_wipes_bank_details_but_keeps_the_ledger(customer):
    from rewards.models import PayoutMethod
    from rewards.services.payouts import payout_method_create

    method = payout_method_create(
        user=customer, kind="sepa", holder_name="Carla Customer", iban="DE89370400440532013000"
    )
    assert {"rewards", "experts"} <= set(privacy.exporters())
    assert privacy.exporters()["rewards"](customer)["payout_methods"][0]["iban"] == (
        "DE89370400440532013000"
    )
    privacy.user_erase(user=customer, actor=customer)
    method = PayoutMethod.objects.get(pk=method.pk)
    assert (method.iban, method.holder_name, method.is_active) == ("", "", False)


def test_erasing_an_imported_author_replaces_their_name_in_the_attribution(
    customer, other_customer, category
):
    thread = forum_services.thread_create(
        author=customer, category=category, title="Imported question about hops",
        body="Imported body text, long enough.",
    )  # fmt: skip
    post = forum_services.answer_create(thread=thread, author=customer, body="My own answer.")
    other = forum_services.answer_create(thread=thread, author=other_customer, body="Another.")
    Thread.objects.filter(pk=thread.pk).update(source_author="Jane Brewer")
    Post.objects.filter(pk__in=[post.pk, other.pk]).update(source_author="Jane Brewer")
    Post.objects.filter(pk=other.pk).update(source_author="Sam Other")

    privacy.user_erase(user=customer, actor=customer)

    name = privacy.pseudonym(customer)
    assert Thread.objects.get(pk=thread.pk).source_author == name
    assert Post.objects.get(pk=post.pk).source_author == name
    assert Post.objects.get(pk=other.pk).source_author == "Sam Other"  # someone else's


def test_an_erased_account_is_named_in_the_readers_language(customer):
    from django.utils import translation

    privacy.user_erase(user=customer, actor=customer)
    user = User.objects.get(pk=customer.pk)
    assert user.is_erased
    with translation.override("de"):
        assert user.public_name == f"Gelöschtes Konto {user.pk}"
    with translation.override("en"):
        assert user.public_name == f"Deleted user {user.pk}"
    # A deactivated (not erased) account keeps its name.
    other = UserFactory(display_name="Bea Banned", is_active=False)
    assert not other.is_erased and other.public_name == "Bea Banned"
