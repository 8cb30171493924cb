"""The demo data and repair commands behind the pages."""

from __future__ import annotations

from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command

from accounts.models import User
from accounts.roles import is_moderator
from forum.models import Category, Post, Thread, ThreadStatus, Vote


def _state() -> tuple:
    return (
        User.objects.count(),
        Category.objects.count(),
        list(Thread.objects.order_by("pk").values_list("title", "status", "answer_count")),
        Post.objects.count(),
        Vote.objects.count(),
        list(Category.objects.order_by("pk").values_list("thread_count", "solved_count")),
    )


@pytest.mark.django_db
def test_seed_demo_builds_a_living_community_and_a_second_run_changes_nothing():
    call_command("seed_demo", stdout=StringIO(), stderr=StringIO())
    first = _state()
    assert Category.objects.count() == 5
    assert Thread.objects.count() >= 25
    assert Thread.objects.filter(status=ThreadStatus.SOLVED).count() >= 10
    assert Thread.objects.filter(answer_count=0).exists()
    anna = User.objects.get(email="anna@example.com")
    assert anna.check_password("demo-password-1")
    assert EmailAddress.objects.filter(user=anna, verified=True, primary=True).exists()
    assert is_moderator(User.objects.get(email="mod@example.com"))
    assert User.objects.get(email="admin@example.com").is_superuser

    call_command("seed_demo", stdout=StringIO(), stderr=StringIO())
    assert _state() == first


@pytest.mark.django_db
def test_forum_repair_fixes_broken_counters_and_reports_how_many(client):
    call_command("seed_demo", stdout=StringIO(), stderr=StringIO())
    out = StringIO()
    call_command("forum_repair", stdout=out, stderr=StringIO())
    assert "0 rows fixed in total." in out.getvalue()

    thread = Thread.objects.filter(answer_count__gt=0).first()
    post = Post.objects.filter(votes__isnull=False).first()
    Thread.objects.filter(pk=thread.pk).update(answer_count=99)
    Post.objects.filter(pk=post.pk).update(score=-50)
    Category.objects.filter(pk=thread.category_id).update(thread_count=0)
    out = StringIO()
    call_command("forum_repair", stdout=out, stderr=StringIO())
    assert "3 rows fixed in total." in out.getvalue()
    thread.refresh_from_db()
    assert thread.answer_count == Post.objects.filter(thread=thread, is_hidden=False).count()


@pytest.mark.django_db
def test_the_demo_pages_render(client):
    call_command("seed_demo", stdout=StringIO(), stderr=StringIO())
    assert client.get("/").status_code == 200
    for thread in Thread.objects.all()[:5]:
        assert client.get(thread.get_absolute_url()).status_code == 200
    assert client.login(email="max@example.com", password="demo-password-1")
    assert client.get("/u/max/").status_code == 200
