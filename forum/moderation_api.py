"""Moderation endpoints under ``/api/v1/`` (namespace "api"; this module is also the
URLconf included by config.urls)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from core import exceptions
from core.api import WRITE_THROTTLE_CLASSES, CursorPagination, error_responses
from forum import selectors as forum_selectors
from forum.models import FlagReason, Post, SanctionKind, Thread
from forum.moderation import permissions, selectors, services
from forum.moderation_views import POST_ACTIONS, THREAD_ACTIONS, post_action_run, thread_action_run

USER_REASONS = [v for v in FlagReason.values if v != FlagReason.REVIEW]


def _require(check: bool) -> None:
    if not check:
        raise exceptions.PermissionDenied(_("You may not do this."))


class FlagCreateInput(serializers.Serializer):
    reason = serializers.ChoiceField(choices=USER_REASONS)
    text = serializers.CharField(required=False, allow_blank=True, max_length=500)

    class Meta:
        ref_name = "FlagCreate"


class FlagOutput(serializers.Serializer):
    id = serializers.IntegerField()
    thread_id = serializers.IntegerField()
    post_id = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField()
    state = serializers.CharField()
    created_at = serializers.DateTimeField()

    class Meta:
        ref_name = "Flag"


class _FlagApiBase(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = WRITE_THROTTLE_CLASSES
    throttle_scope = "writes"

    def _create(self, request: Request, thread: Thread, post: Post | None) -> Response:
        data = FlagCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        flag = services.flag_create(
            flagger=request.user,
            thread=thread,
            post=post,
            reason=data.validated_data["reason"],
            text=data.validated_data.get("text", ""),
        )
        return Response(FlagOutput(flag).data, status=201)


class ThreadFlagApi(_FlagApiBase):
    @extend_schema(
        operation_id="thread_flag_create",
        summary="Flag a question for moderators",
        request=FlagCreateInput,
        responses={201: FlagOutput, **error_responses(400, 401, 403, 404, 409, 429)},
    )
    def post(self, request: Request, pk: int) -> Response:
        thread = forum_selectors.thread_get(pk=pk, viewer=request.user)
        if thread is None:
            raise exceptions.NotFound(_("This question does not exist."))
        return self._create(request, thread, None)


class AnswerFlagApi(_FlagApiBase):
    @extend_schema(
        operation_id="answer_flag_create",
        summary="Flag an answer for moderators",
        request=FlagCreateInput,
        responses={201: FlagOutput, **error_responses(400, 401, 403, 404, 409, 429)},
    )
    def post(self, request: Request, pk: int) -> Response:
        post = forum_selectors.post_get(pk=pk, viewer=request.user)
        if post is None:
            raise exceptions.NotFound(_("This answer does not exist."))
        return self._create(request, post.thread, post)


class QueueItemOutput(serializers.Serializer):
    thread_id = serializers.IntegerField(source="thread.pk")
    post_id = serializers.IntegerField(source="post.pk", allow_null=True, default=None)
    title = serializers.CharField(source="thread.title")
    is_hidden = serializers.BooleanField(source="target.is_hidden")
    flags = FlagOutput(many=True)

    class Meta:
        ref_name = "ModerationQueueItem"


class ModerationQueueApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="moderation_queue_list",
        summary="Flagged and held content, oldest first (moderators)",
        responses={200: QueueItemOutput(many=True), **error_responses(401, 403)},
    )
    def get(self, request: Request) -> Response:
        _require(permissions.can_see_queue(request.user))
        return Response(QueueItemOutput(selectors.moderation_queue(), many=True).data)


class ActionInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)
    category = serializers.IntegerField(required=False, help_text="move: the new category")
    target = serializers.IntegerField(required=False, help_text="merge: the thread to merge into")
    original = serializers.IntegerField(required=False, help_text="duplicate: the original")

    class Meta:
        ref_name = "ModerationActionRequest"


class ActionOutput(serializers.Serializer):
    ok = serializers.BooleanField()
    thread_id = serializers.IntegerField()

    class Meta:
        ref_name = "ModerationActionResult"


class ThreadModerateApi(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = WRITE_THROTTLE_CLASSES
    throttle_scope = "writes"

    @extend_schema(
        operation_id="moderation_thread_action",
        summary="Act on a question: " + ", ".join(THREAD_ACTIONS),
        request=ActionInput,
        responses={200: ActionOutput, **error_responses(400, 401, 403, 404, 409, 429)},
    )
    def post(self, request: Request, pk: int, action: str) -> Response:
        _require(permissions.can_moderate(request.user))
        if action not in THREAD_ACTIONS:
            raise exceptions.NotFound(_("Unknown action."))
        data = ActionInput(data=request.data)
        data.is_valid(raise_exception=True)
        thread = get_object_or_404(Thread, pk=pk)
        result = thread_action_run(
            user=request.user, thread=thread, action=action, data=data.validated_data
        )
        return Response({"ok": True, "thread_id": result.pk})


class AnswerModerateApi(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = WRITE_THROTTLE_CLASSES
    throttle_scope = "writes"

    @extend_schema(
        operation_id="moderation_answer_action",
        summary="Act on an answer: " + ", ".join(POST_ACTIONS),
        request=ActionInput,
        responses={200: ActionOutput, **error_responses(400, 401, 403, 404, 409, 429)},
    )
    def post(self, request: Request, pk: int, action: str) -> Response:
        _require(permissions.can_moderate(request.user))
        if action not in POST_ACTIONS:
            raise exceptions.NotFound(_("Unknown action."))
        data = ActionInput(data=request.data)
        data.is_valid(raise_exception=True)
        post = get_object_or_404(Post.objects.select_related("thread"), pk=pk)
        post_action_run(
            user=request.user, post=post, action=action,
            reason=data.validated_data.get("reason", ""),
        )  # fmt: skip
        return Response({"ok": True, "thread_id": post.thread_id})


class SanctionInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SanctionKind.choices)
    days = serializers.IntegerField(min_value=1, max_value=3650)
    reason = serializers.CharField(max_length=500)

    class Meta:
        ref_name = "SanctionCreate"


class SanctionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    user_id = serializers.IntegerField()
    kind = serializers.CharField()
    reason = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()

    class Meta:
        ref_name = "Sanction"


class UserSanctionApi(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = WRITE_THROTTLE_CLASSES
    throttle_scope = "writes"

    @extend_schema(
        operation_id="moderation_user_sanction",
        summary="Silence or suspend a person for some days",
        request=SanctionInput,
        responses={201: SanctionOutput, **error_responses(400, 401, 403, 404, 429)},
    )
    def post(self, request: Request, pk: int) -> Response:
        _require(permissions.can_sanction(request.user))
        person = get_object_or_404(User, pk=pk)
        data = SanctionInput(data=request.data)
        data.is_valid(raise_exception=True)
        sanction = services.user_sanction(
            moderator=request.user, user=person, **data.validated_data
        )
        return Response(SanctionOutput(sanction).data, status=201)


class AuditLogOutput(serializers.Serializer):
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    actor_id = serializers.IntegerField(allow_null=True)
    action = serializers.CharField()
    target_type = serializers.CharField()
    target_id = serializers.IntegerField()
    old = serializers.JSONField()
    new = serializers.JSONField()
    reason = serializers.CharField()

    class Meta:
        ref_name = "AuditLogEntry"


class AuditLogApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="moderation_log_list",
        summary="Every staff action with old and new values",
        responses={200: AuditLogOutput(many=True), **error_responses(401, 403)},
    )
    def get(self, request: Request) -> Response:
        _require(permissions.can_see_audit_log(request.user))
        qs = selectors.audit_log(
            action=str(request.query_params.get("action", ""))[:40],
            target_type=str(request.query_params.get("target_type", ""))[:20],
        )
        paginator = CursorPagination()  # newest first by id: ids grow with time
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(AuditLogOutput(page, many=True).data)


urlpatterns = [
    path("threads/<int:pk>/flag/", ThreadFlagApi.as_view(), name="thread_flag"),
    path("answers/<int:pk>/flag/", AnswerFlagApi.as_view(), name="answer_flag"),
    path("moderation/queue/", ModerationQueueApi.as_view(), name="moderation_queue"),
    path("moderation/log/", AuditLogApi.as_view(), name="moderation_log"),
    path(
        "moderation/threads/<int:pk>/<str:action>/",
        ThreadModerateApi.as_view(),
        name="moderation_thread_action",
    ),
    path(
        "moderation/answers/<int:pk>/<str:action>/",
        AnswerModerateApi.as_view(),
        name="moderation_answer_action",
    ),
    path(
        "moderation/users/<int:pk>/sanction/", UserSanctionApi.as_view(), name="moderation_sanction"
    ),
]
