"""factory_boy factories. Money state is never built here: use the ledger service."""

from __future__ import annotations

import factory
from django.utils import timezone

from accounts.models import User
from core.markup import render_markdown
from forum.models import Category, Post, Tag, Thread


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    display_name = factory.Sequence(lambda n: f"User {n}")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def roles(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        if create:
            self.save()
            if extracted:
                from accounts.services import user_set_roles

                user_set_roles(user=self, roles=list(extracted))


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Product line {n}")
    slug = factory.Sequence(lambda n: f"product-line-{n}")
    description = "Questions about this product line."


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"tag{n}")
    slug = factory.LazyAttribute(lambda o: o.name)


class ThreadFactory(factory.django.DjangoModelFactory):
    """A thread row written directly (fast, no events); use forum.services to test writes."""

    class Meta:
        model = Thread

    category = factory.SubFactory(CategoryFactory)
    author = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"How do I fix problem number {n}?")
    body_md = "It does not work and I tried restarting it."
    body_html = factory.LazyAttribute(lambda o: render_markdown(o.body_md))
    created_at = factory.LazyFunction(timezone.now)
    last_activity_at = factory.LazyAttribute(lambda o: o.created_at)


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Post

    thread = factory.SubFactory(ThreadFactory)
    author = factory.SubFactory(UserFactory)
    body_md = "Have you tried turning it off and on again?"
    body_html = factory.LazyAttribute(lambda o: render_markdown(o.body_md))
    created_at = factory.LazyFunction(timezone.now)
