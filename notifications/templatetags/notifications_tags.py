from __future__ import annotations

from django import template
from django.urls import reverse

from notifications import selectors

register = template.Library()


@register.inclusion_tag("notifications/_watch_button.html", takes_context=True)
def thread_watch_button(context: template.Context, thread) -> dict:
    """Watch / stop watching a thread; one query for a signed-in viewer, none otherwise."""
    request = context["request"]
    user = request.user
    watching = user.is_authenticated and selectors.is_watching_thread(
        user=user, thread_id=thread.pk
    )
    return {
        "request": request,
        "user": user,
        "csrf_token": context.get("csrf_token"),
        "watching": watching,
        "action": reverse("notifications:watch_thread", kwargs={"pk": thread.pk}),
    }


@register.inclusion_tag("notifications/_watch_button.html", takes_context=True)
def category_watch_button(context: template.Context, category) -> dict:
    request = context["request"]
    user = request.user
    watching = user.is_authenticated and selectors.is_watching_category(
        user=user, category_id=category.pk
    )
    return {
        "request": request,
        "user": user,
        "csrf_token": context.get("csrf_token"),
        "watching": watching,
        "action": reverse("notifications:watch_category", kwargs={"slug": category.slug}),
    }
