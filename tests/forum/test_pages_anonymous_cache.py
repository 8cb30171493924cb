"""Anonymous visitors share cached pages; nobody ever sees stale answers or another
person's data."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from forum import services


def _question(customer, category):
    return services.thread_create(
        author=customer,
        category=category,
        title="Scanner shows error E5",
        body="E5 after every scan.",
    )


def test_a_second_anonymous_visit_is_served_from_the_cache(
    client, customer, category, django_assert_max_num_queries
):
    thread = _question(customer, category)
    client.get(thread.get_absolute_url())
    # The page version comes from the cache and the view from this address was already
    # counted: not a single query.
    with django_assert_max_num_queries(0):
        response = Client().get(thread.get_absolute_url())
    assert response.status_code == 200
    assert "Scanner shows error E5" in response.content.decode()


def test_a_new_answer_shows_to_anonymous_visitors_at_once(client, customer, expert, category):
    thread = _question(customer, category)
    client.get(thread.get_absolute_url())
    services.answer_create(thread=thread, author=expert, body="Clean the glass of the scanner.")
    assert (
        "Clean the glass of the scanner."
        in Client().get(thread.get_absolute_url()).content.decode()
    )


def test_cached_pages_carry_no_csrf_token_and_set_no_cookie(client, customer, category):
    thread = _question(customer, category)
    for url in (reverse("forum:home"), category.get_absolute_url(), thread.get_absolute_url()):
        response = client.get(url)
        assert "csrfmiddlewaretoken" not in response.content.decode()
        assert not response.cookies


def test_signed_in_people_never_get_the_anonymous_page(
    client, customer_client, customer, expert, category
):
    thread = _question(customer, category)
    answer = services.answer_create(
        thread=thread, author=expert, body="Clean the glass of the scanner."
    )
    client.get(thread.get_absolute_url())  # fills the anonymous cache
    page = customer_client.get(thread.get_absolute_url()).content.decode()
    assert reverse("forum:accept", kwargs={"pk": thread.pk, "post_pk": answer.pk}) in page


def test_each_language_has_its_own_cached_page(client, customer, category):
    thread = _question(customer, category)
    english = client.get(thread.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    german = Client().get(thread.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert 'lang="en"' in english
    assert 'lang="de"' in german


def test_the_language_switcher_works_without_a_csrf_token(customer, category):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("set_language"), {"language": "de", "next": "/"})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "de"


def test_a_vote_shows_to_anonymous_visitors_at_once(client, customer, expert, category):
    thread = _question(customer, category)
    answer = services.answer_create(
        thread=thread, author=expert, body="Clean the glass of the scanner."
    )
    before = client.get(thread.get_absolute_url()).content.decode()
    services.vote_cast(post=answer, user=customer, value=1)
    after = Client().get(thread.get_absolute_url()).content.decode()
    assert before != after


def test_a_hidden_thread_disappears_for_anonymous_visitors_at_once(
    client, customer, staff, category
):
    from forum.moderation import services as moderation

    thread = _question(customer, category)
    assert client.get(thread.get_absolute_url()).status_code == 200
    moderation.thread_hide(thread=thread, moderator=staff, hidden=True)
    assert Client().get(thread.get_absolute_url()).status_code == 404
