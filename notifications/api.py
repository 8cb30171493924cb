"""REST API of notifications (under /api/v1/, namespace "api"), and the live-update poll
of a thread page. Only your own notifications exist for you: another user's id is 404."""

from __future__ import annotations

import hashlib

from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils.http import quote_etag
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import CursorPagination, error_responses
from core.exceptions import NotFound
from forum.models import Category, Post, Thread
from forum.permissions import can_view_thread
from notifications import selectors, services
from notifications.kinds import Kind
from notifications.models import EmailFrequency


class NotificationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Kind.choices)
    message = serializers.CharField(help_text="One line in the request's language.")
    title = serializers.CharField()
    url = serializers.CharField()
    actor = serializers.SerializerMethodField()
    thread_id = serializers.IntegerField(allow_null=True)
    data = serializers.DictField()
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)
    is_read = serializers.BooleanField()

    class Meta:
        ref_name = "Notification"

    def get_actor(self, obj) -> dict | None:
        if obj.actor is None:
            return None
        return {"id": obj.actor.pk, "username": obj.actor.username, "name": obj.actor.public_name}


class NotificationListApi(APIView):
    permission_classes = [IsAuthenticated]

    class Pagination(CursorPagination):
        ordering = "-id"

    @extend_schema(
        operation_id="notifications_list",
        summary="Your notifications, newest first",
        parameters=[
            OpenApiParameter("unread", OpenApiTypes.BOOL, description="Only unread ones."),
        ],
        responses={200: NotificationOutputSerializer(many=True), **error_responses(401, 429)},
    )
    def get(self, request: Request) -> Response:
        qs = selectors.notification_list(user=request.user)
        if request.query_params.get("unread") in {"1", "true", "yes"}:
            qs = qs.filter(read_at__isnull=True)
        paginator = self.Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        data = NotificationOutputSerializer(page, many=True).data
        return paginator.get_paginated_response(data)


class NotificationUnreadCountApi(APIView):
    permission_classes = [IsAuthenticated]

    class OutputSerializer(serializers.Serializer):
        unread = serializers.IntegerField()

        class Meta:
            ref_name = "NotificationUnreadCount"

    @extend_schema(
        operation_id="notifications_unread_count",
        summary="How many of your notifications are unread",
        responses={200: OutputSerializer, **error_responses(401, 429)},
    )
    def get(self, request: Request) -> Response:
        return Response({"unread": selectors.unread_count(user=request.user)})


class NotificationReadApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="notifications_read",
        summary="Mark one of your notifications read",
        request=None,
        responses={200: NotificationOutputSerializer, **error_responses(401, 404, 429)},
    )
    def post(self, request: Request, pk: int) -> Response:
        services.notification_mark_read(user=request.user, notification_id=pk)
        notification = selectors.notification_get(user=request.user, pk=pk)
        if notification is None:
            raise NotFound("This notification does not exist.")
        return Response(NotificationOutputSerializer(notification).data)


class NotificationReadAllApi(APIView):
    permission_classes = [IsAuthenticated]

    class OutputSerializer(serializers.Serializer):
        updated = serializers.IntegerField()

        class Meta:
            ref_name = "NotificationReadAll"

    @extend_schema(
        operation_id="notifications_read_all",
        summary="Mark all your notifications read",
        request=None,
        responses={200: OutputSerializer, **error_responses(401, 429)},
    )
    def post(self, request: Request) -> Response:
        return Response({"updated": services.notifications_mark_all_read(user=request.user)})


class PreferenceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices)
    email = serializers.ChoiceField(choices=EmailFrequency.choices, required=False)
    in_app = serializers.BooleanField(required=False)

    class Meta:
        ref_name = "NotificationPreference"


class NotificationPreferencesApi(APIView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        preferences = PreferenceSerializer(many=True, required=False)
        auto_watch = serializers.BooleanField(required=False)

        class Meta:
            ref_name = "NotificationPreferencesUpdate"

    class OutputSerializer(serializers.Serializer):
        preferences = PreferenceSerializer(many=True)
        auto_watch = serializers.BooleanField()

        class Meta:
            ref_name = "NotificationPreferences"

    def _output(self, request: Request) -> dict:
        rows = selectors.preferences_for(user=request.user)
        return {
            "preferences": [
                {"kind": r["kind"], "email": r["email"], "in_app": r["in_app"]} for r in rows
            ],
            "auto_watch": selectors.auto_watch_enabled(user=request.user),
        }

    @extend_schema(
        operation_id="notifications_preferences_retrieve",
        summary="Your notification preferences, one per kind",
        responses={200: OutputSerializer, **error_responses(401, 429)},
    )
    def get(self, request: Request) -> Response:
        return Response(self._output(request))

    @extend_schema(
        operation_id="notifications_preferences_update",
        summary="Change e-mail frequency / in-app switch per kind, and auto-watch",
        request=InputSerializer,
        responses={200: OutputSerializer, **error_responses(400, 401, 429)},
    )
    def patch(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        for pref in data.get("preferences", []):
            services.preference_set(
                user=request.user,
                kind=pref["kind"],
                email=pref.get("email"),
                in_app=pref.get("in_app"),
            )
        if "auto_watch" in data:
            services.notification_settings_set(user=request.user, auto_watch=data["auto_watch"])
        return Response(self._output(request))


class WatchOutputSerializer(serializers.Serializer):
    watching = serializers.BooleanField()

    class Meta:
        ref_name = "WatchState"


class ThreadWatchApi(APIView):
    permission_classes = [IsAuthenticated]

    def _thread(self, request: Request, pk: int) -> Thread:
        thread = get_object_or_404(Thread, pk=pk)
        if not can_view_thread(request.user, thread):
            raise NotFound("This question does not exist.")
        return thread

    @extend_schema(
        operation_id="thread_watch_retrieve",
        summary="Whether you watch this question",
        responses={200: WatchOutputSerializer, **error_responses(401, 404, 429)},
    )
    def get(self, request: Request, pk: int) -> Response:
        thread = self._thread(request, pk)
        return Response(
            {"watching": selectors.is_watching_thread(user=request.user, thread_id=thread.pk)}
        )

    @extend_schema(
        operation_id="thread_watch",
        summary="Watch this question (notified of every new answer)",
        request=None,
        responses={200: WatchOutputSerializer, **error_responses(401, 404, 429)},
    )
    def put(self, request: Request, pk: int) -> Response:
        thread = self._thread(request, pk)
        services.thread_watch(user=request.user, thread_id=thread.pk)
        return Response({"watching": True})

    @extend_schema(
        operation_id="thread_unwatch",
        summary="Stop watching this question",
        request=None,
        responses={200: WatchOutputSerializer, **error_responses(401, 404, 429)},
    )
    def delete(self, request: Request, pk: int) -> Response:
        thread = self._thread(request, pk)
        services.thread_unwatch(user=request.user, thread_id=thread.pk)
        return Response({"watching": False})


class CategoryWatchApi(APIView):
    permission_classes = [IsAuthenticated]

    def _category(self, pk: int) -> Category:
        return get_object_or_404(Category, pk=pk, is_active=True)

    @extend_schema(
        operation_id="category_watch_retrieve",
        summary="Whether you watch this category",
        responses={200: WatchOutputSerializer, **error_responses(401, 404, 429)},
    )
    def get(self, request: Request, pk: int) -> Response:
        category = self._category(pk)
        return Response(
            {"watching": selectors.is_watching_category(user=request.user, category_id=category.pk)}
        )

    @extend_schema(
        operation_id="category_watch",
        summary="Watch this category (notified of new questions and answers)",
        request=None,
        responses={200: WatchOutputSerializer, **error_responses(401, 404, 429)},
    )
    def put(self, request: Request, pk: int) -> Response:
        category = self._category(pk)
        services.category_watch(user=request.user, category_id=category.pk)
        return Response({"watching": True})

    @extend_schema(
        operation_id="category_unwatch",
        summary="Stop watching this category",
        request=None,
        responses={200: WatchOutputSerializer, **error_responses(401, 404, 429)},
    )
    def delete(self, request: Request, pk: int) -> Response:
        category = self._category(pk)
        services.category_unwatch(user=request.user, category_id=category.pk)
        return Response({"watching": False})


# --- Live updates of a thread page ------------------------------------------------------------

LIVE_MAX_NEW = 20


class ThreadLiveApi(APIView):
    """Polled by static/js/live-thread.js. One query answers an unchanged thread (304).

    The ETag covers the thread's own counters and a signature of its visible answers'
    votes, because a vote on an answer changes no thread field.
    """

    permission_classes = [AllowAny]

    class AnswerSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        author = serializers.DictField()
        body_html = serializers.CharField(help_text="Sanitised HTML.")
        score = serializers.IntegerField()
        is_accepted = serializers.BooleanField()
        is_official = serializers.BooleanField()
        created_at = serializers.DateTimeField()
        url = serializers.CharField()

        class Meta:
            ref_name = "LiveAnswer"

    class OutputSerializer(serializers.Serializer):
        thread_id = serializers.IntegerField()
        status = serializers.CharField()
        answer_count = serializers.IntegerField()
        score = serializers.IntegerField()
        accepted_answer_id = serializers.IntegerField(allow_null=True)
        last_post_id = serializers.IntegerField(allow_null=True)
        new_answer_count = serializers.IntegerField()
        new_answers = serializers.ListField(child=serializers.DictField())
        scores = serializers.DictField(child=serializers.IntegerField())

        class Meta:
            ref_name = "ThreadLive"

    @extend_schema(
        operation_id="thread_live",
        summary="What changed on a thread page since the last poll",
        parameters=[
            OpenApiParameter(
                "after", OpenApiTypes.INT, description="Newest answer id the page shows."
            ),
            OpenApiParameter("If-None-Match", OpenApiTypes.STR, location=OpenApiParameter.HEADER),
        ],
        responses={
            200: OutputSerializer,
            304: OpenApiResponse(description="Nothing changed since that ETag."),
            **error_responses(404, 429),
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        try:
            after = max(int(request.query_params.get("after", 0) or 0), 0)
        except ValueError:
            after = 0
        visible = Q(posts__is_hidden=False, posts__is_deleted=False)
        thread = (
            Thread.objects.filter(pk=pk)
            .annotate(
                live_count=Count("posts", filter=visible),
                live_max=Max("posts__id", filter=visible),
                live_score=Coalesce(Sum("posts__score", filter=visible), 0),
                live_votes=Coalesce(Sum("posts__upvotes", filter=visible), 0)
                + Coalesce(Sum("posts__downvotes", filter=visible), 0),
            )
            .only(
                "id",
                "status",
                "answer_count",
                "score",
                "accepted_answer_id",
                "last_activity_at",
                "is_hidden",
                "is_deleted",
            )
            .first()
        )
        if thread is None or not can_view_thread(request.user, thread):
            raise NotFound("This question does not exist.")
        signature = ":".join(
            str(v)
            for v in (
                thread.pk,
                thread.status,
                thread.answer_count,
                thread.score,
                thread.accepted_answer_id,
                thread.last_activity_at.isoformat(),
                thread.live_count,
                thread.live_max,
                thread.live_score,
                thread.live_votes,
                after,
            )
        )
        etag = quote_etag(hashlib.sha256(signature.encode()).hexdigest()[:32])
        headers = {
            "ETag": etag,
            "Cache-Control": "private, no-cache",
            "Vary": "Cookie, Authorization",
        }
        if etag in {t.strip() for t in request.headers.get("If-None-Match", "").split(",")}:
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers=headers)
        posts = Post.objects.filter(thread_id=thread.pk, is_hidden=False, is_deleted=False)
        new = (
            list(posts.filter(pk__gt=after).select_related("author").order_by("id")[:LIVE_MAX_NEW])
            if after
            else []
        )
        scores = dict(posts.order_by("id").values_list("pk", "score")[:500])
        data = {
            "thread_id": thread.pk,
            "status": thread.status,
            "answer_count": thread.answer_count,
            "score": thread.score,
            "accepted_answer_id": thread.accepted_answer_id,
            "last_post_id": thread.live_max,
            "new_answer_count": sum(1 for pid in scores if pid > after) if after else 0,
            "new_answers": [
                {
                    "id": p.pk,
                    "author": {"username": p.author.username, "name": p.author.public_name},
                    "body_html": p.body_html,
                    "score": p.score,
                    "is_accepted": p.is_accepted,
                    "is_official": p.is_official,
                    "created_at": p.created_at.isoformat(),
                    "url": p.get_absolute_url(),
                }
                for p in new
            ],
            "scores": {str(k): v for k, v in scores.items()},
        }
        return Response(data, headers=headers)
