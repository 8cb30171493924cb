"""For the thread page (owned by forum's templates, which cannot import escalations):

{% load escalations_tags %}
{% ask_staff_state thread request.user as staff_help %}
{% if staff_help.can_ask %}
  <form method="post" action="{% url 'escalations:ask_staff' thread_pk=thread.pk %}"> …
{% elif staff_help.available_at %} "You can ask staff for help from …"
{% elif staff_help.with_staff %} "Our support staff are on it."
{% if staff_help.can_escalate %}
  <form … action="{% url 'escalations:escalate' thread_pk=thread.pk %}"> …
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils import timezone

from escalations import permissions
from forum.models import ThreadStatus

register = template.Library()

_ESCALATABLE = (ThreadStatus.OPEN, ThreadStatus.ANSWERED)


@register.simple_tag
def ask_staff_state(thread, user) -> dict:  # type: ignore[no-untyped-def]
    """One cheap check, no query beyond the role lookup the page already made."""
    escalatable = thread.status in _ESCALATABLE and thread.is_visible
    is_asker = permissions.can_ask_staff(user, thread.author_id)
    available_at = thread.created_at + settings.ESCALATIONS_CUSTOMER_WAIT
    too_early = timezone.now() < available_at
    return {
        "can_ask": bool(is_asker and escalatable and not too_early),
        "available_at": available_at if is_asker and escalatable and too_early else None,
        "with_staff": thread.status == ThreadStatus.ESCALATED,
        "can_escalate": bool(escalatable and permissions.can_escalate_any(user)),
    }
