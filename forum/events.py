"""What the forum tells the rest of the system. This module is forum's public contract:
apps above forum subscribe to these (``core.events.subscribe``) and never import services.

Times are ISO 8601 strings so payloads stay plain JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from core.events import DomainEvent, register_event


@register_event
@dataclass(frozen=True, kw_only=True)
class ThreadCreated(DomainEvent):
    name: ClassVar[str] = "forum.ThreadCreated"
    thread_id: int
    category_id: int
    author_id: int
    created_at: str
    imported: bool = False


@register_event
@dataclass(frozen=True, kw_only=True)
class PostCreated(DomainEvent):
    name: ClassVar[str] = "forum.PostCreated"
    post_id: int
    thread_id: int
    category_id: int
    author_id: int
    asker_id: int
    is_first_answer: bool
    is_official: bool
    created_at: str
    imported: bool = False


@register_event
@dataclass(frozen=True, kw_only=True)
class PostEdited(DomainEvent):
    """``post_id`` is None when the question itself was edited."""

    name: ClassVar[str] = "forum.PostEdited"
    thread_id: int
    post_id: int | None
    editor_id: int
    revision: int


@register_event
@dataclass(frozen=True, kw_only=True)
class PostHidden(DomainEvent):
    name: ClassVar[str] = "forum.PostHidden"
    thread_id: int
    post_id: int
    author_id: int
    moderator_id: int
    hidden: bool  # False when restored


@register_event
@dataclass(frozen=True, kw_only=True)
class VoteCast(DomainEvent):
    """``value`` 0 means the vote was retracted."""

    name: ClassVar[str] = "forum.VoteCast"
    post_id: int
    thread_id: int
    voter_id: int
    post_author_id: int
    old_value: int
    value: int


@register_event
@dataclass(frozen=True, kw_only=True)
class AnswerAccepted(DomainEvent):
    name: ClassVar[str] = "forum.AnswerAccepted"
    thread_id: int
    post_id: int
    category_id: int
    answer_author_id: int
    asker_id: int
    accepted_by_id: int
    accepted_at: str
    is_self_accept: bool
    imported: bool = False


@register_event
@dataclass(frozen=True, kw_only=True)
class AnswerUnaccepted(DomainEvent):
    name: ClassVar[str] = "forum.AnswerUnaccepted"
    thread_id: int
    post_id: int
    category_id: int
    answer_author_id: int
    unaccepted_by_id: int
    replaced_by_post_id: int | None = None


@register_event
@dataclass(frozen=True, kw_only=True)
class ThreadClosed(DomainEvent):
    name: ClassVar[str] = "forum.ThreadClosed"
    thread_id: int
    moderator_id: int
    reason: str


@register_event
@dataclass(frozen=True, kw_only=True)
class ThreadReopened(DomainEvent):
    name: ClassVar[str] = "forum.ThreadReopened"
    thread_id: int
    moderator_id: int
