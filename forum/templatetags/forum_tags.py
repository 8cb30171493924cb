"""Small presentation helpers for the forum templates (no queries in here)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

register = template.Library()

_AVATAR_COLOURS = 8


@register.simple_tag
def avatar(person: object, size: str = "") -> str:
    """A round badge with the person's initial; the colour is stable per person."""
    name = str(getattr(person, "public_name", "") or "?").strip() or "?"
    pk = getattr(person, "pk", 0) or 0
    classes = f"avatar avatar-c{pk % _AVATAR_COLOURS}"
    if size:
        classes += f" avatar-{size}"
    return format_html('<span class="{}" aria-hidden="true">{}</span>', classes, name[0].upper())


@register.filter
def vote_pressed(my_vote: int, value: int) -> str:
    """ "true"/"false" for aria-pressed on a vote button."""
    return "true" if my_vote == value else "false"


@register.filter
def http_url(value: str) -> str:
    """The URL if it is http(s), else "": imported links never become ``javascript:``."""
    value = (value or "").strip()
    return value if value.lower().startswith(("https://", "http://")) else ""
