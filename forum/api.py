"""The forum's REST API (``/api/v1/``): thin views over forum.selectors and forum.services.

Each view parses input with its nested ``InputSerializer``, reads through a selector,
writes through one service and shapes the answer with an ``OutputSerializer``. Services
check permissions again under their row locks, so a view's checks are only for choosing
the right status code early (404 for what the caller may not see).

Reads are public (``IsAuthenticatedOrReadOnly`` on URLs that read and write); writes need
a signed-in user and spend a scoped throttle budget ("writes", "votes", "accepts").
Errors all come out in core.api's one shape.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import WRITE_THROTTLE_CLASSES, CursorPagination, error_responses
from core.exceptions import NotFound
from forum import selectors, services
from forum.models import Category, Post, Thread, ThreadStatus
from forum.selectors import ThreadFilter, ThreadSort
from forum.serializers import (
    AnswerSerializer,
    ImportedCommentSerializer,
    ThreadDetailSerializer,
    ThreadSummarySerializer,
)


class SelectorOrderedCursorPagination(CursorPagination):
    """Cursor pagination in whatever order the selector chose (the list's ``sort``).

    DRF keeps the cursor position on the first ordering field and counts rows that tie
    on it with an offset, so a sort by score stays correct (ties cost a longer offset).
    """

    def get_ordering(self, request: Request, queryset: QuerySet, view: Any) -> tuple[str, ...]:
        ordering = tuple(queryset.query.order_by)
        if not ordering:
            raise ImproperlyConfigured("The selector must order the queryset it returns.")
        return ordering


def _thread_or_404(request: Request, pk: int) -> Thread:
    thread = selectors.thread_get(pk=pk, viewer=request.user)
    if thread is None:
        raise NotFound(_("This question does not exist."))
    return thread


def _answer_or_404(request: Request, pk: int) -> Post:
    post = selectors.post_get(pk=pk, viewer=request.user)
    if post is None:
        raise NotFound(_("This answer does not exist."))
    return post


def _thread_detail(request: Request, pk: int) -> dict:
    """Re-read a thread the way its detail endpoint shows it (after a write, too)."""
    thread = _thread_or_404(request, pk)
    my_votes = selectors.votes_of(
        viewer=request.user,
        post_ids=[thread.accepted_answer.pk] if thread.accepted_answer else [],
    )
    return ThreadDetailSerializer(thread, context={"request": request, "my_votes": my_votes}).data


def _answer_data(request: Request, post: Post) -> dict:
    my_votes = selectors.votes_of(viewer=request.user, post_ids=[post.pk])
    return AnswerSerializer(post, context={"request": request, "my_votes": my_votes}).data


@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string"}]})
class CategoryRefField(serializers.Field):
    """A category given by id (``3``, ``"3"``) or by slug (``"printers"``)."""

    default_error_messages = {"invalid": gettext_lazy("Give the category's id or slug.")}

    def to_internal_value(self, data: object) -> int | str:
        if isinstance(data, int) and not isinstance(data, bool):
            return data
        if isinstance(data, str) and data.strip():
            value = data.strip()
            return int(value) if value.isdigit() else value
        raise serializers.ValidationError(self.error_messages["invalid"], code="invalid")

    def to_representation(self, value: object) -> object:
        return value


def _category_id(ref: int | str) -> int:
    """An id goes to the service as is (it validates it); a slug is looked up here."""
    if isinstance(ref, int):
        return ref
    category: Category | None = selectors.category_get(slug=ref)
    if category is None:
        raise serializers.ValidationError({"category": [_("Please choose one of the categories.")]})
    return category.pk


# --- Categories -----------------------------------------------------------------------------


class CategoryListApi(APIView):
    permission_classes = [AllowAny]

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        slug = serializers.SlugField()
        name = serializers.CharField()
        description = serializers.CharField()
        thread_count = serializers.IntegerField()
        solved_count = serializers.IntegerField()
        unanswered_count = serializers.IntegerField()

        class Meta:
            ref_name = "Category"

    @extend_schema(
        operation_id="categories_list",
        summary="Active categories with their question counts",
        responses={200: OutputSerializer(many=True), **error_responses(429)},
    )
    def get(self, request: Request) -> Response:
        categories = selectors.category_list()
        return Response(self.OutputSerializer(categories, many=True).data)


# --- Questions ------------------------------------------------------------------------------


class ThreadListCreateApi(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]
    throttle_classes = WRITE_THROTTLE_CLASSES
    throttle_scope = "writes"
    pagination_class = SelectorOrderedCursorPagination

    class FilterSerializer(serializers.Serializer):
        filter = serializers.ChoiceField(choices=ThreadFilter.CHOICES, default=ThreadFilter.ALL)
        sort = serializers.ChoiceField(choices=ThreadSort.CHOICES, default=ThreadSort.NEWEST)
        category = serializers.SlugField(required=False, help_text="Category slug.")
        tag = serializers.SlugField(required=False, help_text="Tag slug.")

        class Meta:
            ref_name = "ThreadFilter"

    class InputSerializer(serializers.Serializer):
        category = CategoryRefField(help_text="Category id or slug.")
        # Lengths are the domain's rules (forum.validators), checked by the service so the
        # pages and the API give the same messages.
        title = serializers.CharField(allow_blank=True, trim_whitespace=False)
        body = serializers.CharField(allow_blank=True, trim_whitespace=False, help_text="Markdown.")
        tags = serializers.ListField(
            child=serializers.CharField(max_length=40),
            required=False,
            default=list,
            help_text="Slugs of existing tags.",
        )

        class Meta:
            ref_name = "ThreadCreate"

    OutputSerializer = ThreadSummarySerializer

    @extend_schema(
        operation_id="threads_list",
        summary="Questions, filtered and sorted like a category page",
        parameters=[FilterSerializer],
        responses={200: OutputSerializer(many=True), **error_responses(400, 429)},
    )
    def get(self, request: Request) -> Response:
        params = self.FilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        category = tag = None
        if slug := params.validated_data.get("category"):
            category = selectors.category_get(slug=slug)
            if category is None:
                raise serializers.ValidationError({"category": [_("Unknown category.")]})
        if slug := params.validated_data.get("tag"):
            tag = selectors.tag_get(slug=slug)
            if tag is None:
                raise serializers.ValidationError({"tag": [_("Unknown tag.")]})
        threads = selectors.thread_list(
            viewer=request.user,
            category=category,
            tag=tag,
            filter=params.validated_data["filter"],
            sort=params.validated_data["sort"],
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(threads, request, view=self)
        data = self.OutputSerializer(page, many=True, context={"request": request}).data
        return paginator.get_paginated_response(data)

    @extend_schema(
        operation_id="threads_create",
        summary="Ask a question",
        request=InputSerializer,
        responses={201: ThreadDetailSerializer, **error_responses(400, 401, 403, 429)},
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        thread = services.thread_create(
            author=request.user,
            category=_category_id(data["category"]),
            title=data["title"],
            body=data["body"],
            tags=data["tags"],
        )
        return Response(_thread_detail(request, thread.pk), status=status.HTTP_201_CREATED)


class ThreadDetailUpdateApi(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]
    throttle_classes = WRITE_THROTTLE_CLASSES
    throttle_scope = "writes"

    class InputSerializer(serializers.Serializer):
        title = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
        body = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
        tags = serializers.ListField(
            child=serializers.CharField(max_length=40),
            required=False,
            help_text="Replaces the tags (slugs of existing tags).",
        )
        reason = serializers.CharField(
            required=False, allow_blank=True, max_length=200, help_text="Edit summary."
        )

        class Meta:
            ref_name = "ThreadUpdate"

    OutputSerializer = ThreadDetailSerializer

    @extend_schema(
        operation_id="threads_retrieve",
        summary="A question with its accepted answer",
        responses={200: OutputSerializer, **error_responses(404, 429)},
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(_thread_detail(request, pk))

    @extend_schema(
        operation_id="threads_partial_update",
        summary="Edit a question (author within the edit window, or a moderator)",
        request=InputSerializer,
        responses={200: OutputSerializer, **error_responses(400, 401, 403, 404, 429)},
    )
    def patch(self, request: Request, pk: int) -> Response:
        thread = _thread_or_404(request, pk)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.thread_edit(thread=thread, editor=request.user, **serializer.validated_data)
        return Response(_thread_detail(request, pk))


# --- Answers --------------------------------------------------------------------------------


class AnswerListCreateApi(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]
    throttle_classes = WRITE_THROTTLE_CLASSES
    throttle_scope = "writes"
    pagination_class = SelectorOrderedCursorPagination

    class InputSerializer(serializers.Serializer):
        body = serializers.CharField(allow_blank=True, trim_whitespace=False, help_text="Markdown.")
        official = serializers.BooleanField(
            default=False, help_text="Staff only: mark as the official answer."
        )

        class Meta:
            ref_name = "AnswerCreate"

    OutputSerializer = AnswerSerializer

    @extend_schema(
        operation_id="threads_answers_list",
        summary="Answers to a question, oldest first (the accepted one included)",
        responses={200: OutputSerializer(many=True), **error_responses(404, 429)},
    )
    def get(self, request: Request, pk: int) -> Response:
        thread = _thread_or_404(request, pk)
        answers = selectors.thread_answers(
            thread=thread, viewer=request.user, include_accepted=True
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(answers, request, view=self)
        my_votes = selectors.votes_of(viewer=request.user, post_ids=[p.pk for p in page])
        data = self.OutputSerializer(
            page, many=True, context={"request": request, "my_votes": my_votes}
        ).data
        return paginator.get_paginated_response(data)

    @extend_schema(
        operation_id="threads_answers_create",
        summary="Answer a question",
        request=InputSerializer,
        responses={201: OutputSerializer, **error_responses(400, 401, 403, 404, 429)},
    )
    def post(self, request: Request, pk: int) -> Response:
        thread = _thread_or_404(request, pk)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        post = services.answer_create(
            thread=thread,
            author=request.user,
            body=serializer.validated_data["body"],
            official=serializer.validated_data["official"],
        )
        post = _answer_or_404(request, post.pk)
        return Response(_answer_data(request, post), status=status.HTTP_201_CREATED)


class ThreadCommentListApi(APIView):
    """Comments imported with a thread from another community (Stack Exchange dumps)."""

    permission_classes = [AllowAny]
    pagination_class = SelectorOrderedCursorPagination
    OutputSerializer = ImportedCommentSerializer

    @extend_schema(
        operation_id="threads_comments_list",
        summary="Imported comments of a question and its visible answers, oldest first",
        responses={200: OutputSerializer(many=True), **error_responses(404, 429)},
    )
    def get(self, request: Request, pk: int) -> Response:
        thread = _thread_or_404(request, pk)
        comments = selectors.thread_imported_comments(thread=thread, viewer=request.user)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(comments, request, view=self)
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)


class AnswerDetailUpdateApi(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]
    throttle_classes = WRITE_THROTTLE_CLASSES
    throttle_scope = "writes"

    class InputSerializer(serializers.Serializer):
        body = serializers.CharField(allow_blank=True, trim_whitespace=False, help_text="Markdown.")
        reason = serializers.CharField(
            required=False, allow_blank=True, max_length=200, default="", help_text="Edit summary."
        )

        class Meta:
            ref_name = "AnswerUpdate"

    OutputSerializer = AnswerSerializer

    @extend_schema(
        operation_id="answers_retrieve",
        summary="One answer",
        responses={200: OutputSerializer, **error_responses(404, 429)},
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(_answer_data(request, _answer_or_404(request, pk)))

    @extend_schema(
        operation_id="answers_partial_update",
        summary="Edit an answer (author within the edit window, or a moderator)",
        request=InputSerializer,
        responses={200: OutputSerializer, **error_responses(400, 401, 403, 404, 429)},
    )
    def patch(self, request: Request, pk: int) -> Response:
        post = _answer_or_404(request, pk)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.answer_edit(
            post=post,
            editor=request.user,
            body=serializer.validated_data["body"],
            reason=serializer.validated_data["reason"],
        )
        return Response(_answer_data(request, _answer_or_404(request, pk)))


class AnswerVoteApi(APIView):
    permission_classes = [IsAuthenticated]
    throttle_scope = "votes"

    class InputSerializer(serializers.Serializer):
        value = serializers.ChoiceField(choices=[(1, "up"), (-1, "down")])

        class Meta:
            ref_name = "VoteCast"

    class OutputSerializer(serializers.Serializer):
        answer_id = serializers.IntegerField(source="pk")
        score = serializers.IntegerField()
        upvotes = serializers.IntegerField()
        downvotes = serializers.IntegerField()
        my_vote = serializers.IntegerField(help_text="1, -1, or 0 when retracted.")

        class Meta:
            ref_name = "VoteResult"

    def _result(self, post: Post, value: int) -> Response:
        post.my_vote = value  # type: ignore[attr-defined]
        return Response(self.OutputSerializer(post).data)

    @extend_schema(
        operation_id="answers_vote",
        summary="Vote an answer up or down (the same vote again changes nothing)",
        request=InputSerializer,
        responses={200: OutputSerializer, **error_responses(400, 401, 403, 404, 429)},
    )
    def put(self, request: Request, pk: int) -> Response:
        post = _answer_or_404(request, pk)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        value = serializer.validated_data["value"]
        post = services.vote_cast(post=post, user=request.user, value=value)
        return self._result(post, value)

    @extend_schema(
        operation_id="answers_vote_retract",
        summary="Take back your vote",
        request=None,
        responses={200: OutputSerializer, **error_responses(401, 403, 404, 429)},
    )
    def delete(self, request: Request, pk: int) -> Response:
        post = _answer_or_404(request, pk)
        post = services.vote_cast(post=post, user=request.user, value=0)
        return self._result(post, 0)


# --- Accepting ------------------------------------------------------------------------------


class _AcceptanceOutputSerializer(serializers.Serializer):
    thread_id = serializers.IntegerField(source="pk")
    status = serializers.ChoiceField(choices=ThreadStatus.choices)
    accepted_answer_id = serializers.IntegerField(allow_null=True)
    solved_at = serializers.DateTimeField(allow_null=True)

    class Meta:
        ref_name = "Acceptance"


class ThreadAcceptApi(APIView):
    permission_classes = [IsAuthenticated]
    throttle_scope = "accepts"

    class InputSerializer(serializers.Serializer):
        answer_id = serializers.IntegerField(help_text="An answer in this question.")

        class Meta:
            ref_name = "Accept"

    OutputSerializer = _AcceptanceOutputSerializer

    @extend_schema(
        operation_id="threads_accept",
        summary="Accept the answer that solved the question (the asker or staff)",
        request=InputSerializer,
        responses={200: OutputSerializer, **error_responses(400, 401, 403, 404, 409, 429)},
    )
    def post(self, request: Request, pk: int) -> Response:
        thread = _thread_or_404(request, pk)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        post = _answer_or_404(request, serializer.validated_data["answer_id"])
        # The service checks that the answer belongs to this thread (404 if not).
        thread = services.answer_accept(thread=thread, post=post, actor=request.user)
        return Response(self.OutputSerializer(thread).data)


class ThreadUnacceptApi(APIView):
    permission_classes = [IsAuthenticated]
    throttle_scope = "accepts"

    OutputSerializer = _AcceptanceOutputSerializer

    @extend_schema(
        operation_id="threads_unaccept",
        summary="Withdraw the acceptance (the asker or staff)",
        request=None,
        responses={200: OutputSerializer, **error_responses(401, 403, 404, 409, 429)},
    )
    def post(self, request: Request, pk: int) -> Response:
        thread = _thread_or_404(request, pk)
        thread = services.answer_unaccept(thread=thread, actor=request.user)
        return Response(self.OutputSerializer(thread).data)
