from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from experts.models import ExpertAvailability
from tests.experts.conftest import dispatch_all
from tests.experts.helpers import solved_question
from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def board(make_user, category):
    """Four experts with accepted answers in the category."""
    people = [make_user() for _ in range(4)]
    for i, person in enumerate(people):
        for n in range(i + 1):
            solved_question(
                asker=make_user(),
                answerer=person,
                category=category,
                title=f"Question {person.pk} number {n}",
            )
    dispatch_all()
    return people


def test_the_leaderboard_lists_experts_best_first(client: Client, board):
    response = client.get(reverse("experts:leaderboard"))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [r.user.pk for r in rows] == [p.pk for p in reversed(board)]
    assert board[-1].public_name in response.content.decode()


@pytest.mark.parametrize("period", ["week", "month", "all"])
def test_leaderboard_pages_cost_a_fixed_number_of_queries(
    client: Client, board, category, period, django_assert_max_num_queries
):
    # session-less anonymous request: categories (nav), ranking, users, ranks = 4,
    # plus the base template's own reads (bounded, independent of the row count).
    url = reverse("experts:category_leaderboard", kwargs={"slug": category.slug})
    with django_assert_max_num_queries(12) as first:
        client.get(url, {"period": period})
    count = len(first.captured_queries)
    # Three more experts must not add a single query.
    solved_question(
        asker=board[0], answerer=board[1], category=category, title="One more accepted question"
    )
    dispatch_all()
    with django_assert_max_num_queries(count):
        response = client.get(url, {"period": period})
    assert response.status_code == 200


def test_the_leaderboard_api_cost_a_fixed_number_of_queries(
    client: Client, board, django_assert_num_queries
):
    # 1 ranking, 2 users in bulk, 3 ranks of those users.
    with django_assert_num_queries(3):
        response = client.get(reverse("api:experts-leaderboard"))
    assert response.status_code == 200
    assert len(response.json()) == 4
    assert response.json()[0]["user"]["username"] == board[-1].username


def test_the_leaderboard_api_can_leave_staff_out(client: Client, board, staff, category):
    solved_question(asker=board[0], answerer=staff, category=category, title="Staff solves it")
    dispatch_all()
    everyone = client.get(reverse("api:experts-leaderboard")).json()
    community = client.get(reverse("api:experts-leaderboard"), {"exclude_staff": "true"}).json()
    assert staff.username in [r["user"]["username"] for r in everyone]
    assert staff.username not in [r["user"]["username"] for r in community]


def test_an_unknown_category_is_a_404_on_pages_and_api(client: Client):
    assert client.get("/experts/c/no-such-thing/").status_code == 404
    response = client.get(reverse("api:experts-leaderboard"), {"category": "no-such-thing"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_an_unknown_user_is_a_404_on_pages_and_api(client: Client):
    assert client.get("/experts/u/nobody-here/").status_code == 404
    response = client.get("/api/v1/experts/users/nobody-here/")
    assert response.status_code == 404
    assert "error" in response.json()


def test_an_expert_profile_shows_standing_per_category_and_recent_answers(
    client: Client, board, category
):
    person = board[-1]
    response = client.get(reverse("experts:profile", kwargs={"username": person.username}))
    assert response.status_code == 200
    assert response.context["standings"][0].category == category
    assert len(response.context["recent"]) == 4
    api = client.get(f"/api/v1/experts/users/{person.username}/").json()
    assert api["rank"] == "helper"
    assert {s["category"] for s in api["standings"]} == {None, category.slug}
    assert len(api["recent_accepted"]) == 4


def test_questions_for_you_lists_open_questions_in_my_categories(board, category, make_user):
    from forum import services as forum

    asker = make_user()
    open_one = forum.thread_create(
        author=asker,
        category=category,
        title="A fresh question for the experts",
        body="It blinks orange and will not print anything at all.",
    )
    elsewhere = forum.thread_create(
        author=asker,
        category=CategoryFactory(slug="elsewhere"),
        title="A question somewhere else entirely",
        body="It blinks orange and will not print anything at all.",
    )
    client = Client()
    client.force_login(board[-1])
    page = client.get(reverse("experts:for_you"))
    assert open_one in page.context["threads"]
    assert elsewhere not in page.context["threads"]
    api = client.get("/api/v1/experts/for-me/").json()
    assert open_one.pk in [t["id"] for t in api]


def test_questions_for_you_needs_a_sign_in(client: Client):
    assert client.get(reverse("experts:for_you")).status_code == 302
    assert client.get("/api/v1/experts/for-me/").status_code in (401, 403)


def test_an_expert_can_opt_out_through_the_page_and_the_api(expert, category):
    client = Client()
    client.force_login(expert)
    response = client.post(
        reverse("experts:availability"), {"routing_opt_out": "on", "categories": [category.pk]}
    )
    assert response.status_code == 302
    row = ExpertAvailability.objects.get(user=expert)
    assert row.routing_opt_out
    assert list(row.categories.all()) == [category]
    api = client.put(
        "/api/v1/experts/availability/",
        {"routing_opt_out": False, "categories": [], "max_per_day": 2},
        content_type="application/json",
    )
    assert api.status_code == 200
    assert api.json() == {"routing_opt_out": False, "categories": [], "max_per_day": 2}
    bad = client.put(
        "/api/v1/experts/availability/",
        {"routing_opt_out": False, "categories": ["nope"]},
        content_type="application/json",
    )
    assert bad.status_code == 400
