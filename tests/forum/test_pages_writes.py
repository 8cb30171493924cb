"""The write views: they do what they say, and refuse everything else with a 4xx while
changing nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.models import OutboxEvent
from forum import services
from forum.models import Post, Revision, Thread, ThreadStatus, Vote
from tests.factories import CategoryFactory, TagFactory


@pytest.fixture
def tag(db):
    return TagFactory(name="wifi", slug="wifi")


@pytest.fixture
def question(customer, category, tag):
    return services.thread_create(
        author=customer,
        category=category,
        title="Printer blinks orange after the update",
        body="It blinks orange and will not print anything at all.",
        tags=["wifi"],
    )


@pytest.fixture
def answer(question, expert):
    return services.answer_create(
        thread=question, author=expert, body="Reseat the ink cartridges until they click."
    )


def _snapshot() -> tuple:
    """Everything a refused write must leave untouched."""
    return (
        list(Thread.objects.order_by("pk").values_list("pk", "title", "body_md", "status")),
        list(Post.objects.order_by("pk").values_list("pk", "body_md", "is_accepted", "score")),
        list(Vote.objects.order_by("pk").values_list("pk", "value")),
        Revision.objects.count(),
        OutboxEvent.objects.count(),
    )


def _ask_data(category, overrides: dict | None = None) -> dict:
    data = {
        "title": "Scanner saves only the first page",
        "category": str(category.pk),
        "body": "Multi-page scans from the feeder only keep page one.",
        "tags": "wifi",
    }
    data.update(overrides or {})
    return data


# --- Asking ---------------------------------------------------------------------------------


def test_asking_a_question_creates_it_and_redirects_with_a_message(customer_client, category, tag):
    response = customer_client.post(reverse("forum:ask"), _ask_data(category), follow=True)
    thread = Thread.objects.get(title="Scanner saves only the first page")
    assert response.redirect_chain[-1][0] == thread.get_absolute_url()
    assert "Your question is posted." in response.content.decode()
    assert [t.slug for t in thread.tags.all()] == ["wifi"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "Short"}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"body": ""}, "body"),
        ({"body": "too short"}, "body"),
        ({"body": "y" * 30_001}, "body"),
        ({"category": "999999"}, "category"),
        ({"category": "not-a-number"}, "category"),
        ({"tags": "wifi, no-such-tag"}, "tags"),
        ({"tags": "a,b,c,d,e,f"}, "tags"),
    ],
)
def test_asking_with_bad_input_shows_the_error_on_its_field_and_saves_nothing(
    customer_client, category, tag, overrides, field
):
    before = _snapshot()
    response = customer_client.post(reverse("forum:ask"), _ask_data(category, overrides))
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert _snapshot() == before


def test_asking_in_an_inactive_category_is_refused(customer_client, tag):
    retired = CategoryFactory(slug="retired", is_active=False)
    before = _snapshot()
    response = customer_client.post(reverse("forum:ask"), _ask_data(retired))
    assert response.status_code == 400
    assert _snapshot() == before


def test_anonymous_visitors_are_sent_to_log_in_before_asking(client, category):
    response = client.post(reverse("forum:ask"), _ask_data(category))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert not Thread.objects.exists()


# --- Answering ------------------------------------------------------------------------------


def test_answering_posts_the_answer_and_redirects_to_it(expert_client, question):
    response = expert_client.post(
        reverse("forum:answer_create", kwargs={"pk": question.pk}),
        {"body": "Hold the Wi-Fi button for five seconds."},
    )
    post = Post.objects.get(thread=question)
    assert response.status_code == 302
    assert response.url == reverse("forum:post", kwargs={"pk": post.pk})


@pytest.mark.parametrize("body", ["", "abc", "z" * 30_001])
def test_a_bad_answer_is_refused_with_400_and_saves_nothing(expert_client, question, body):
    before = _snapshot()
    response = expert_client.post(
        reverse("forum:answer_create", kwargs={"pk": question.pk}), {"body": body}
    )
    assert response.status_code == 400
    assert response.context["answer_form"].errors["body"]
    assert _snapshot() == before


def test_answering_a_hidden_question_is_not_found(expert_client, question):
    Thread.objects.filter(pk=question.pk).update(is_hidden=True)
    before = _snapshot()
    response = expert_client.post(
        reverse("forum:answer_create", kwargs={"pk": question.pk}),
        {"body": "Hold the Wi-Fi button for five seconds."},
    )
    assert response.status_code == 404
    assert _snapshot() == before


def test_answering_a_locked_question_is_forbidden(expert_client, question):
    Thread.objects.filter(pk=question.pk).update(is_locked=True)
    before = _snapshot()
    response = expert_client.post(
        reverse("forum:answer_create", kwargs={"pk": question.pk}),
        {"body": "Hold the Wi-Fi button for five seconds."},
    )
    assert response.status_code == 403
    assert _snapshot() == before


# --- Voting ---------------------------------------------------------------------------------


def test_voting_counts_the_vote_and_returns_to_the_answer(customer_client, question, answer):
    response = customer_client.post(
        reverse("forum:vote", kwargs={"pk": answer.pk}),
        {"value": "1", "next": f"{question.get_absolute_url()}#answer-{answer.pk}"},
    )
    assert response.status_code == 302
    assert response.url == f"{question.get_absolute_url()}#answer-{answer.pk}"
    answer.refresh_from_db()
    assert answer.score == 1
    customer_client.post(reverse("forum:vote", kwargs={"pk": answer.pk}), {"value": "0"})
    answer.refresh_from_db()
    assert answer.score == 0


def test_a_vote_never_redirects_to_another_site(customer_client, answer):
    response = customer_client.post(
        reverse("forum:vote", kwargs={"pk": answer.pk}),
        {"value": "1", "next": "https://evil.example.com/"},
    )
    assert response.url == reverse("forum:post", kwargs={"pk": answer.pk})


@pytest.mark.parametrize("value", ["", "2", "-2", "up", "1.0"])
def test_a_vote_with_a_bad_value_is_refused(customer_client, answer, value):
    before = _snapshot()
    response = customer_client.post(
        reverse("forum:vote", kwargs={"pk": answer.pk}), {"value": value}
    )
    assert response.status_code == 400
    assert _snapshot() == before


def test_voting_on_your_own_answer_is_forbidden(expert_client, answer):
    before = _snapshot()
    response = expert_client.post(reverse("forum:vote", kwargs={"pk": answer.pk}), {"value": "1"})
    assert response.status_code == 403
    assert _snapshot() == before


def test_voting_on_a_hidden_answer_is_not_found(customer_client, answer):
    Post.objects.filter(pk=answer.pk).update(is_hidden=True)
    before = _snapshot()
    response = customer_client.post(reverse("forum:vote", kwargs={"pk": answer.pk}), {"value": "1"})
    assert response.status_code == 404
    assert _snapshot() == before


# --- Accepting ------------------------------------------------------------------------------


def test_the_asker_accepts_and_unaccepts_an_answer(customer_client, question, answer):
    url = reverse("forum:accept", kwargs={"pk": question.pk, "post_pk": answer.pk})
    response = customer_client.post(url, follow=True)
    question.refresh_from_db()
    assert question.status == ThreadStatus.SOLVED
    assert question.accepted_answer_id == answer.pk
    assert "Marked as the accepted answer" in response.content.decode()
    customer_client.post(reverse("forum:unaccept", kwargs={"pk": question.pk}))
    question.refresh_from_db()
    assert question.accepted_answer_id is None
    assert question.status == ThreadStatus.ANSWERED


def test_staff_may_accept_for_the_asker(staff_client, question, answer):
    url = reverse("forum:accept", kwargs={"pk": question.pk, "post_pk": answer.pk})
    assert staff_client.post(url).status_code == 302
    question.refresh_from_db()
    assert question.accepted_answer_id == answer.pk


def test_someone_other_than_the_asker_cannot_accept(expert_client, question, answer):
    before = _snapshot()
    url = reverse("forum:accept", kwargs={"pk": question.pk, "post_pk": answer.pk})
    assert expert_client.post(url).status_code == 403
    assert _snapshot() == before


def test_accepting_an_answer_of_another_thread_is_not_found(
    customer, customer_client, category, question, expert
):
    other = services.thread_create(
        author=customer, category=category, title="Another question here", body="x" * 20
    )
    foreign = services.answer_create(thread=other, author=expert, body="An answer elsewhere.")
    before = _snapshot()
    url = reverse("forum:accept", kwargs={"pk": question.pk, "post_pk": foreign.pk})
    assert customer_client.post(url).status_code == 404
    assert _snapshot() == before


def test_accepting_a_hidden_answer_is_not_found(customer_client, question, answer):
    Post.objects.filter(pk=answer.pk).update(is_hidden=True)
    before = _snapshot()
    url = reverse("forum:accept", kwargs={"pk": question.pk, "post_pk": answer.pk})
    assert customer_client.post(url).status_code == 404
    assert _snapshot() == before


def test_unaccepting_when_nothing_is_accepted_explains_and_redirects(customer_client, question):
    before = _snapshot()
    response = customer_client.post(
        reverse("forum:unaccept", kwargs={"pk": question.pk}), follow=True
    )
    assert response.redirect_chain[-1][0] == question.get_absolute_url()
    assert "No answer is accepted" in response.content.decode()
    assert _snapshot() == before


# --- Editing --------------------------------------------------------------------------------


def test_the_author_edits_the_question_with_a_summary(customer_client, question):
    response = customer_client.post(
        reverse("forum:thread_edit", kwargs={"pk": question.pk}),
        {
            "title": "Printer blinks orange after the firmware update",
            "body": "It blinks orange and will not print anything at all.",
            "tags": "",
            "reason": "Clearer title",
        },
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.title == "Printer blinks orange after the firmware update"
    assert Revision.objects.filter(thread=question, post=None).last().reason == "Clearer title"


def test_a_bad_question_edit_is_refused_and_changes_nothing(customer_client, question):
    before = _snapshot()
    response = customer_client.post(
        reverse("forum:thread_edit", kwargs={"pk": question.pk}),
        {"title": "Short", "body": "It blinks orange and will not print.", "tags": "nope"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["title"]
    assert _snapshot() == before


def test_editing_someone_elses_question_or_answer_is_forbidden(
    expert_client, customer_client, question, answer
):
    before = _snapshot()
    response = expert_client.post(
        reverse("forum:thread_edit", kwargs={"pk": question.pk}),
        {"title": "Hijacked title of the question", "body": "b" * 30},
    )
    assert response.status_code == 403
    response = customer_client.post(
        reverse("forum:post_edit", kwargs={"pk": answer.pk}), {"body": "Hijacked answer body"}
    )
    assert response.status_code == 403
    assert (
        expert_client.get(reverse("forum:thread_edit", kwargs={"pk": question.pk})).status_code
        == 403
    )
    assert _snapshot() == before


def test_the_author_edits_an_answer(expert_client, answer):
    response = expert_client.post(
        reverse("forum:post_edit", kwargs={"pk": answer.pk}),
        {"body": "Reseat the cartridges firmly until they click.", "reason": "typo"},
    )
    assert response.status_code == 302
    answer.refresh_from_db()
    assert answer.body_md == "Reseat the cartridges firmly until they click."


def test_a_bad_answer_edit_is_refused_and_changes_nothing(expert_client, answer):
    before = _snapshot()
    response = expert_client.post(
        reverse("forum:post_edit", kwargs={"pk": answer.pk}), {"body": "x"}
    )
    assert response.status_code == 400
    assert _snapshot() == before


def test_editing_a_hidden_answer_is_not_found_for_its_author(expert_client, answer):
    Post.objects.filter(pk=answer.pk).update(is_hidden=True)
    before = _snapshot()
    response = expert_client.post(
        reverse("forum:post_edit", kwargs={"pk": answer.pk}), {"body": "A new text for it."}
    )
    assert response.status_code == 404
    assert _snapshot() == before


# --- Method, login and rate limits ----------------------------------------------------------


@pytest.mark.parametrize("name", ["answer_create", "accept", "unaccept", "vote"])
def test_post_only_views_refuse_get_with_405(customer_client, question, answer, name):
    kwargs = {"pk": answer.pk} if name == "vote" else {"pk": question.pk}
    if name == "accept":
        kwargs["post_pk"] = answer.pk
    assert customer_client.get(reverse(f"forum:{name}", kwargs=kwargs)).status_code == 405


@pytest.mark.parametrize(
    "name", ["ask", "answer_create", "accept", "unaccept", "vote", "thread_edit", "post_edit"]
)
def test_anonymous_writes_are_sent_to_log_in(client, question, answer, name):
    kwargs: dict = {
        "ask": {},
        "answer_create": {"pk": question.pk},
        "accept": {"pk": question.pk, "post_pk": answer.pk},
        "unaccept": {"pk": question.pk},
        "vote": {"pk": answer.pk},
        "thread_edit": {"pk": question.pk},
        "post_edit": {"pk": answer.pk},
    }[name]
    before = _snapshot()
    response = client.post(
        reverse(f"forum:{name}", kwargs=kwargs), {"value": "1", "body": "x" * 20}
    )
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert _snapshot() == before


def test_too_many_votes_are_refused_with_429(customer_client, answer, settings, still_clock):
    # A private cache: the counters must not be shared with (or flushed by) other test runs
    # using the same Redis database.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "rate-limit-test",
        }
    }
    # The rate is bound when forum.views is imported, so the test counts up to it.
    limit = int(settings.FORUM_RATE_VOTES.split("/")[0])
    url = reverse("forum:vote", kwargs={"pk": answer.pk})
    statuses = {customer_client.post(url, {"value": "1"}).status_code for _ in range(limit)}
    assert statuses == {302}
    assert customer_client.post(url, {"value": "1"}).status_code == 429


# --- Preferences ----------------------------------------------------------------------------


def test_saving_preferences_updates_the_user_and_sets_the_language_cookie(
    customer, customer_client
):
    response = customer_client.post(
        reverse("accounts:preferences"),
        {"display_name": "Carla C.", "locale": "de", "time_zone": "Europe/Vienna"},
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.display_name, customer.locale, customer.time_zone) == (
        "Carla C.",
        "de",
        "Europe/Vienna",
    )
    assert response.cookies["django_language"].value == "de"


def test_bad_preferences_are_refused(customer, customer_client):
    response = customer_client.post(
        reverse("accounts:preferences"),
        {"display_name": "Carla", "locale": "xx", "time_zone": "Mars/Olympus"},
    )
    assert response.status_code == 400
    customer.refresh_from_db()
    assert customer.locale == ""
    assert customer.time_zone == ""


def test_preferences_need_a_signed_in_user(client, db):
    response = client.get(reverse("accounts:preferences"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
