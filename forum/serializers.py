"""Output shapes shared by several forum API endpoints (one schema component each).

Views keep their own nested ``InputSerializer``; where several views answer with the same
object they point their ``OutputSerializer`` at one of these, so the OpenAPI schema has one
``Answer`` and one ``ThreadDetail`` instead of a copy per endpoint.

Everything here reads attributes the selectors already loaded: no serializer may cause a
query (the query-count tests in tests/api/ pin that).
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from forum import permissions
from forum.models import Post, Thread, ThreadStatus


def _absolute(context: dict, path: str) -> str:
    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


class CategoryRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.SlugField()
    name = serializers.CharField()


class AuthorSerializer(serializers.Serializer):
    username = serializers.CharField()
    # The name to show: the chosen display name, or the handle when there is none.
    display_name = serializers.CharField(source="public_name")


class TagSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()


class ThreadSummarySerializer(serializers.Serializer):
    """A question in a list."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    category = CategoryRefSerializer()
    author = AuthorSerializer()
    tags = TagSerializer(many=True, source="tags.all")
    status = serializers.ChoiceField(choices=ThreadStatus.choices)
    answer_count = serializers.IntegerField()
    score = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    last_activity_at = serializers.DateTimeField()
    accepted_answer_id = serializers.IntegerField(allow_null=True)
    url = serializers.SerializerMethodField(help_text="The question's web page.")

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, obj: Thread) -> str:
        return _absolute(self.context, obj.get_absolute_url())


class AnswerSerializer(serializers.Serializer):
    """An answer. ``my_vote`` is the caller's vote (0 when none or anonymous); views put
    the caller's votes into the context as ``my_votes`` ({post id: value})."""

    id = serializers.IntegerField()
    thread_id = serializers.IntegerField()
    author = AuthorSerializer()
    body_md = serializers.CharField(help_text="The answer as written (Markdown).")
    body_html = serializers.CharField(help_text="Rendered and sanitised HTML.")
    score = serializers.IntegerField()
    upvotes = serializers.IntegerField()
    downvotes = serializers.IntegerField()
    is_accepted = serializers.BooleanField()
    is_official = serializers.BooleanField(help_text="Written by staff as the official answer.")
    is_hidden = serializers.BooleanField(help_text="Only moderators ever see hidden answers.")
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    my_vote = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField(help_text="The answer on its question's web page.")

    @extend_schema_field(serializers.ChoiceField(choices=[-1, 0, 1]))
    def get_my_vote(self, obj: Post) -> int:
        return self.context.get("my_votes", {}).get(obj.pk, 0)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, obj: Post) -> str:
        return _absolute(self.context, obj.get_absolute_url())


class ThreadDetailSerializer(ThreadSummarySerializer):
    """A question with its text, its accepted answer inline, and what the caller may do."""

    body_md = serializers.CharField(help_text="The question as written (Markdown).")
    body_html = serializers.CharField(help_text="Rendered and sanitised HTML.")
    is_locked = serializers.BooleanField()
    edited_at = serializers.DateTimeField(allow_null=True)
    solved_at = serializers.DateTimeField(allow_null=True)
    accepted_answer = AnswerSerializer(allow_null=True)
    can_edit = serializers.SerializerMethodField()
    can_answer = serializers.SerializerMethodField()
    can_accept = serializers.SerializerMethodField()

    def _viewer(self) -> permissions.AnyUser:
        return self.context["request"].user

    def get_can_edit(self, obj: Thread) -> bool:
        return permissions.can_edit_thread(self._viewer(), obj)

    def get_can_answer(self, obj: Thread) -> bool:
        return permissions.can_answer(self._viewer(), obj)

    def get_can_accept(self, obj: Thread) -> bool:
        return permissions.can_accept(self._viewer(), obj)


class ImportedCommentSerializer(serializers.Serializer):
    """A comment brought along from another community (read-only; see forum.PostComment)."""

    id = serializers.IntegerField()
    thread_id = serializers.IntegerField()
    answer_id = serializers.IntegerField(
        source="post_id", allow_null=True, help_text="null: a comment on the question."
    )
    text_html = serializers.CharField(help_text="Rendered and sanitised HTML.")
    score = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    source_author = serializers.CharField(help_text="The original author, for attribution.")
    source_url = serializers.URLField()
    source_licence = serializers.CharField()
