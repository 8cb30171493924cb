"""Authentication (token and session with CSRF), the caller's account, and the one error
shape for every 4xx."""

from __future__ import annotations

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from accounts.models import User
from tests.factories import UserFactory

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's password
TOKEN = "/api/v1/auth/token/"
ME = "/api/v1/me/"


def _write_requests(question, answer) -> list[tuple[str, str, dict]]:
    return [
        ("post", "/api/v1/threads/", {"category": "printers", "title": "A new question here",
                                      "body": "Something does not work at all."}),
        ("patch", f"/api/v1/threads/{question.pk}/", {"title": "Another title for it"}),
        ("post", f"/api/v1/threads/{question.pk}/answers/", {"body": "Try this and that."}),
        ("patch", f"/api/v1/answers/{answer.pk}/", {"body": "Changed answer text."}),
        ("put", f"/api/v1/answers/{answer.pk}/vote/", {"value": 1}),
        ("delete", f"/api/v1/answers/{answer.pk}/vote/", {}),
        ("post", f"/api/v1/threads/{question.pk}/accept/", {"answer_id": answer.pk}),
        ("post", f"/api/v1/threads/{question.pk}/unaccept/", {}),
        ("patch", ME, {"display_name": "Nobody"}),
    ]  # fmt: skip


# --- The error shape ------------------------------------------------------------------------


def test_every_anonymous_write_is_refused_with_401_and_changes_nothing(
    api, question, answer, forum_state
):
    before = forum_state()
    for method, url, payload in _write_requests(question, answer):
        response = getattr(api, method)(url, payload, format="json")
        assert response.status_code == 401, (method, url, response.content)
        assert response.json()["error"]["code"] == "not_authenticated"
        assert response["WWW-Authenticate"] == "Token"
    assert forum_state() == before


def test_anonymous_reading_of_me_is_401(api, db):
    response = api.get(ME)
    assert response.status_code == 401
    assert set(response.json()["error"]) == {"code", "message"}


def test_malformed_json_is_a_400_parse_error_and_changes_nothing(
    customer_api, question, forum_state
):
    before = forum_state()
    response = customer_api.generic(
        "POST",
        f"/api/v1/threads/{question.pk}/answers/",
        '{"body": "unterminated',
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"
    assert "fields" not in response.json()["error"]
    assert forum_state() == before


def test_a_json_body_that_is_not_an_object_is_a_validation_error(customer_api, question):
    response = customer_api.post(f"/api/v1/threads/{question.pk}/answers/", ["body"], format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert "non_field_errors" in response.json()["error"]["fields"]


def test_form_encoded_bodies_are_refused_with_415(customer_api, question, forum_state):
    before = forum_state()
    response = customer_api.post(
        f"/api/v1/threads/{question.pk}/answers/", {"body": "A form answer"}, format="multipart"
    )
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"
    assert forum_state() == before


def test_an_unsupported_method_is_405_in_the_error_shape(customer_api, db):
    response = customer_api.delete("/api/v1/categories/")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_an_unknown_api_path_is_a_json_404(api, db):
    response = api.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "not_found"


def test_a_bad_token_is_401(api, db):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = api.get("/api/v1/threads/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


# --- Tokens ---------------------------------------------------------------------------------


def test_email_and_password_get_a_token_that_authenticates(api, customer):
    response = api.post(TOKEN, {"email": customer.email.upper(), "password": PASSWORD})
    assert response.status_code == 200, response.json()
    token = response.json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get(ME)
    assert me.status_code == 200
    assert me.json()["username"] == customer.username


def test_asking_for_a_token_twice_returns_the_same_token(api, customer):
    first = api.post(TOKEN, {"email": customer.email, "password": PASSWORD}).json()["token"]
    second = api.post(TOKEN, {"email": customer.email, "password": PASSWORD}).json()["token"]
    assert first == second


def test_wrong_credentials_are_a_400_that_does_not_say_which_part_was_wrong(api, customer):
    wrong_password = api.post(TOKEN, {"email": customer.email, "password": "nope-nope-nope"})
    unknown_email = api.post(TOKEN, {"email": "nobody@example.com", "password": PASSWORD})
    assert wrong_password.status_code == unknown_email.status_code == 400
    assert wrong_password.json() == unknown_email.json()
    assert wrong_password.json()["error"]["code"] == "invalid_credentials"


def test_an_inactive_account_gets_no_token(api, db):
    user = UserFactory(is_active=False)
    response = api.post(TOKEN, {"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_credentials"


def test_with_mandatory_verification_an_unverified_address_gets_no_token(api, customer, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    response = api.post(TOKEN, {"email": customer.email, "password": PASSWORD})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "email_unverified"


@pytest.mark.parametrize(
    "payload", [{}, {"email": "not-an-address", "password": "x"}, {"email": ["a@b.c"]}]
)
def test_a_token_request_with_bad_input_names_the_fields(api, db, payload):
    response = api.post(TOKEN, payload, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert response.json()["error"]["fields"]


def test_password_guessing_on_the_token_endpoint_is_throttled(api, customer):
    limit = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["auth_token"].split("/")[0])
    for _ in range(limit):
        assert api.post(TOKEN, {"email": customer.email, "password": "guess"}).status_code == 400
    response = api.post(TOKEN, {"email": customer.email, "password": PASSWORD})
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert "Retry-After" in response


# --- Session authentication and CSRF --------------------------------------------------------


def test_a_session_write_without_a_csrf_token_is_refused(customer, question, forum_state):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(customer)
    before = forum_state()
    response = client.post(
        f"/api/v1/threads/{question.pk}/answers/", {"body": "Answer via session."}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert "CSRF" in response.json()["error"]["message"]
    assert forum_state() == before


def test_a_session_write_with_the_csrf_token_goes_through(customer, question):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(customer)
    secret = "a" * 32  # an unmasked token of CSRF_SECRET_LENGTH, as Django accepts it
    client.cookies[settings.CSRF_COOKIE_NAME] = secret
    response = client.post(
        f"/api/v1/threads/{question.pk}/answers/",
        {"body": "Answer via session."},
        format="json",
        HTTP_X_CSRFTOKEN=secret,
    )
    assert response.status_code == 201, response.json()


def test_session_reads_need_no_csrf_token(customer, question):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(customer)
    assert client.get(ME).status_code == 200


def test_token_writes_need_no_csrf_token(customer, question):
    from rest_framework.authtoken.models import Token

    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=customer).key}")
    response = client.post(
        f"/api/v1/threads/{question.pk}/answers/", {"body": "Answer via token."}, format="json"
    )
    assert response.status_code == 201


# --- me/ ------------------------------------------------------------------------------------


def test_me_shows_the_profile_with_roles(staff_api, staff):
    response = staff_api.get(ME)
    assert response.status_code == 200
    data = response.json()
    assert data["username"] == staff.username
    assert data["display_name"] == "Sam Staff"
    assert data["roles"] == ["moderator", "support"]
    assert data["is_moderator"] is True
    assert data["is_staff_member"] is True
    assert data["profile_url"] == f"http://testserver/u/{staff.username}/"


def test_me_changes_display_name_language_and_time_zone(customer_api, customer):
    response = customer_api.patch(
        ME, {"display_name": "  Carla C.  ", "locale": "de", "time_zone": "Europe/Vienna"}
    )
    assert response.status_code == 200, response.json()
    customer.refresh_from_db()
    assert (customer.display_name, customer.locale, customer.time_zone) == (
        "Carla C.", "de", "Europe/Vienna"
    )  # fmt: skip
    assert response.json()["locale"] == "de"


def test_me_changes_only_the_fields_given(customer_api, customer):
    response = customer_api.patch(ME, {"time_zone": "Europe/Vienna"})
    assert response.status_code == 200
    customer.refresh_from_db()
    assert customer.display_name == "Carla Customer"
    assert customer.time_zone == "Europe/Vienna"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"locale": "xx"}, "locale"),
        ({"display_name": "x" * 81}, "display_name"),
        ({"display_name": ["a"]}, "display_name"),
    ],
)
def test_me_refuses_bad_preferences(customer_api, customer, payload, field):
    response = customer_api.patch(ME, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    fresh = User.objects.get(pk=customer.pk)
    assert (fresh.display_name, fresh.locale, fresh.time_zone) == ("Carla Customer", "", "")


# --- Throttles ------------------------------------------------------------------------------


def test_writes_spend_their_scope_but_reads_on_the_same_url_do_not(
    expert_api, question, monkeypatch
):
    from rest_framework.throttling import SimpleRateThrottle

    # DRF reads its rate table once at import; lower the "writes" rate for this test only.
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "writes", "2/min")
    url = f"/api/v1/threads/{question.pk}/answers/"
    for n in range(2):
        assert expert_api.post(url, {"body": f"Answer number {n}"}).status_code == 201
        assert expert_api.get(url).status_code == 200
    for _ in range(3):
        assert expert_api.get(url).status_code == 200
    response = expert_api.post(url, {"body": "One answer too many"})
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert question.posts.count() == 2


# --- Ids out of range -----------------------------------------------------------------------

HUGE = 10**30  # beyond any integer column


def test_ids_beyond_the_integer_range_are_not_found_or_invalid(customer_api, question, answer):
    assert customer_api.get(f"/api/v1/threads/{HUGE}/").status_code == 404
    assert customer_api.get(f"/api/v1/answers/{HUGE}/").status_code == 404
    response = customer_api.post(
        f"/api/v1/threads/{question.pk}/accept/", {"answer_id": HUGE}, format="json"
    )
    assert response.status_code in (400, 404)
    response = customer_api.post(
        "/api/v1/threads/",
        {"category": HUGE, "title": "A question with a huge id", "body": "Body text long enough."},
        format="json",
    )
    assert response.status_code == 400
    assert "category" in response.json()["error"]["fields"]


def test_error_messages_follow_the_requested_language(customer_api, question):
    response = customer_api.post(
        f"/api/v1/threads/{question.pk}/answers/",
        {"body": ""},
        format="json",
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["body"] == [
        "Bitte schreiben Sie mindestens 5 Zeichen."
    ]
