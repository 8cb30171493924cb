"""Every forum page renders for the people who may see it, and hides what they may not."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from forum import services
from forum.models import Thread
from tests.factories import CategoryFactory, TagFactory, UserFactory


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


@pytest.fixture(params=["anonymous", "customer", "staff"])
def any_client(request, customer, staff) -> Client:
    client = Client()
    if request.param == "customer":
        client.force_login(customer)
    elif request.param == "staff":
        client.force_login(staff)
    return client


def test_the_home_page_lists_categories_with_their_counts_and_recent_questions(
    any_client, question, category
):
    response = any_client.get(reverse("forum:home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert category.name in html
    assert question.title in html
    assert "Waiting for an answer" in html


def test_the_category_page_renders_with_every_filter_and_sort(any_client, question, category):
    for flt in ("all", "unanswered", "unsolved", "solved", "bogus"):
        for sort in ("newest", "active", "votes", "bogus"):
            response = any_client.get(
                reverse("forum:category", kwargs={"slug": category.slug}),
                {"filter": flt, "sort": sort},
            )
            assert response.status_code == 200
    response = any_client.get(
        reverse("forum:category", kwargs={"slug": category.slug}), {"filter": "unanswered"}
    )
    assert question.title in response.content.decode()
    response = any_client.get(
        reverse("forum:category", kwargs={"slug": category.slug}), {"filter": "solved"}
    )
    assert question.title not in response.content.decode()


def test_an_unknown_or_inactive_category_is_not_found(client, db):
    CategoryFactory(slug="retired", is_active=False)
    assert client.get(reverse("forum:category", kwargs={"slug": "nope"})).status_code == 404
    assert client.get(reverse("forum:category", kwargs={"slug": "retired"})).status_code == 404


def test_the_thread_page_shows_the_question_and_its_answers(any_client, question, answer):
    response = any_client.get(reverse("forum:thread", kwargs={"pk": question.pk}))
    assert response.status_code == 200
    html = response.content.decode()
    assert question.title in html
    assert "Reseat the ink cartridges" in html
    assert f'id="answer-{answer.pk}"' in html


def test_the_accepted_answer_is_shown_first_and_only_once(
    client, question, answer, expert, other_customer, customer
):
    later = services.answer_create(
        thread=question, author=other_customer, body="Try a different USB cable first."
    )
    services.answer_accept(thread=question, post=later, actor=customer)
    html = client.get(reverse("forum:thread", kwargs={"pk": question.pk})).content.decode()
    assert html.count(f'id="answer-{later.pk}"') == 1
    assert html.index(f'id="answer-{later.pk}"') < html.index(f'id="answer-{answer.pk}"')
    assert "answer-accepted" in html
    assert "Accepted answer" in html
    assert ">Solved<" in html


def test_the_asker_sees_accept_buttons_and_others_do_not(
    client, customer_client, expert_client, question, answer
):
    accept_url = reverse("forum:accept", kwargs={"pk": question.pk, "post_pk": answer.pk})
    assert accept_url in customer_client.get(question.get_absolute_url()).content.decode()
    assert accept_url not in expert_client.get(question.get_absolute_url()).content.decode()
    assert accept_url not in client.get(question.get_absolute_url()).content.decode()


def test_the_viewers_own_vote_is_highlighted(customer_client, customer, question, answer):
    services.vote_cast(post=answer, user=customer, value=1)
    html = customer_client.get(question.get_absolute_url()).content.decode()
    assert 'class="vote-button vote-up voted"' in html
    assert 'aria-pressed="true"' in html


def test_anonymous_visitors_are_invited_to_log_in_instead_of_an_answer_form(client, question):
    html = client.get(question.get_absolute_url()).content.decode()
    assert reverse("account_login") in html
    assert 'id="answer-form"' not in html


def test_answers_are_paginated(client, question, settings, expert):
    settings.FORUM_ANSWERS_PER_PAGE = 2
    posts = [
        services.answer_create(thread=question, author=expert, body=f"Answer number {i} here.")
        for i in range(5)
    ]
    page2 = client.get(question.get_absolute_url(), {"page": 2}).content.decode()
    assert f'id="answer-{posts[2].pk}"' in page2
    assert f'id="answer-{posts[0].pk}"' not in page2
    assert "Page 2 of 3" in page2


def test_a_hidden_thread_is_not_found_for_customers_but_visible_to_staff(
    client, customer_client, staff_client, question
):
    Thread.objects.filter(pk=question.pk).update(is_hidden=True)
    url = question.get_absolute_url()
    assert client.get(url).status_code == 404
    assert customer_client.get(url).status_code == 404
    assert staff_client.get(url).status_code == 200


def test_viewing_a_thread_counts_each_viewer_once(client, question, customer_client):
    client.get(question.get_absolute_url())
    client.get(question.get_absolute_url())  # a reload by the same visitor is not a new view
    customer_client.get(question.get_absolute_url())
    question.refresh_from_db()
    assert question.view_count == 2


def test_the_answer_permalink_redirects_to_the_right_page_and_anchor(
    client, question, settings, expert
):
    settings.FORUM_ANSWERS_PER_PAGE = 2
    posts = [
        services.answer_create(thread=question, author=expert, body=f"Answer number {i} here.")
        for i in range(3)
    ]
    response = client.get(reverse("forum:post", kwargs={"pk": posts[2].pk}))
    assert response.status_code == 302
    assert response.url == f"/t/{question.pk}/?page=2#answer-{posts[2].pk}"
    response = client.get(reverse("forum:post", kwargs={"pk": posts[0].pk}))
    assert response.url == f"/t/{question.pk}/#answer-{posts[0].pk}"


def test_the_permalink_of_a_hidden_answer_is_not_found(client, answer):
    type(answer).objects.filter(pk=answer.pk).update(is_hidden=True)
    assert client.get(reverse("forum:post", kwargs={"pk": answer.pk})).status_code == 404


def test_the_ask_page_preselects_the_category_from_the_query(customer_client, category):
    response = customer_client.get(reverse("forum:ask"), {"category": category.slug})
    assert response.status_code == 200
    assert f'<option value="{category.pk}" selected>' in response.content.decode()


def test_the_edit_pages_render_for_the_author_and_staff(
    customer_client, staff_client, expert_client, question, answer
):
    thread_edit = reverse("forum:thread_edit", kwargs={"pk": question.pk})
    post_edit = reverse("forum:post_edit", kwargs={"pk": answer.pk})
    assert customer_client.get(thread_edit).status_code == 200
    assert staff_client.get(thread_edit).status_code == 200
    assert expert_client.get(post_edit).status_code == 200
    assert staff_client.get(post_edit).status_code == 200


def test_the_revision_history_lists_every_version(customer, customer_client, question):
    services.thread_edit(
        thread=question,
        editor=customer,
        body="It blinks orange and will not print, even after a restart.",
        reason="Added what I tried",
    )
    response = customer_client.get(reverse("forum:thread_revisions", kwargs={"pk": question.pk}))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Version 1" in html
    assert "Version 2" in html
    assert "Added what I tried" in html


def test_the_profile_shows_answers_accepted_answers_and_category_stats(
    any_client, question, answer, customer, expert, category
):
    services.answer_accept(thread=question, post=answer, actor=customer)
    url = reverse("forum:profile", kwargs={"username": expert.username})
    html = any_client.get(url).content.decode()
    assert expert.display_name in html
    assert question.title in html
    assert category.name in html
    accepted = any_client.get(url, {"show": "accepted"})
    assert question.title in accepted.content.decode()


def test_an_unknown_or_inactive_profile_is_not_found(client, db):
    gone = UserFactory(is_active=False)
    assert client.get(reverse("forum:profile", kwargs={"username": "nobody"})).status_code == 404
    assert client.get(reverse("forum:profile", kwargs={"username": gone.username})).status_code == (
        404
    )


def test_the_tag_page_lists_its_questions(any_client, question, tag):
    response = any_client.get(reverse("forum:tag", kwargs={"slug": tag.slug}))
    assert response.status_code == 200
    assert question.title in response.content.decode()
    assert any_client.get(reverse("forum:tag", kwargs={"slug": "nope"})).status_code == 404


def test_a_page_requested_in_german_is_shown_in_german(client, question):
    response = client.get(reverse("forum:home"), HTTP_ACCEPT_LANGUAGE="de")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="de">' in html
    assert "Frage stellen" in html
    assert "Ask a question" not in html


def test_the_allauth_pages_use_the_site_layout(client, db):
    for name in ("account_login", "account_signup", "account_reset_password"):
        html = client.get(reverse(name)).content.decode()
        assert 'class="site-header"' in html
        assert 'class="auth-card card"' in html


def test_the_preferences_page_renders_for_a_signed_in_user(customer_client):
    response = customer_client.get(reverse("accounts:preferences"))
    assert response.status_code == 200
    assert "Time zone" in response.content.decode()


def test_pages_carry_no_inline_scripts_or_styles(customer_client, question, answer):
    for url in (
        reverse("forum:home"),
        question.get_absolute_url(),
        reverse("forum:ask"),
        reverse("accounts:preferences"),
    ):
        html = customer_client.get(url).content.decode()
        assert "<script>" not in html
        assert " style=" not in html
        assert " onclick=" not in html


def test_errors_use_the_site_error_page_with_the_reason(client, expert_client, answer):
    response = client.get("/t/999999/")
    assert response.status_code == 404
    assert "Back to the community" in response.content.decode()
    response = expert_client.post(reverse("forum:vote", kwargs={"pk": answer.pk}), {"value": 1})
    assert response.status_code == 403
    assert "You cannot vote on your own answer." in response.content.decode()


def test_the_ask_page_prefills_title_and_category_from_an_invitation(customer_client, category):
    response = customer_client.get(
        reverse("forum:ask") + f"?title=Printer+offline+after+update&category={category.slug}"
    )
    page = response.content.decode()
    assert 'value="Printer offline after update"' in page
