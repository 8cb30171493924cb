"""Listening API (staff only), and the two signed inbound endpoints."""

from __future__ import annotations

from datetime import timedelta

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import WorkQueuePagination, allowed_by, error_body, error_responses
from core.exceptions import PermissionDenied
from core.tasks_queue import enqueue_on_commit
from listening import permissions, selectors, services
from listening.models import ActionKind, Item, ItemState, Source

STAFF = allowed_by(permissions.can_work_inbox, _("Only staff can use the listening inbox."))


# --- Output ---------------------------------------------------------------------------------


class ItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    source_id = serializers.IntegerField()
    source_name = serializers.CharField(source="source.name")
    external_id = serializers.CharField()
    link = serializers.CharField()
    author = serializers.CharField()
    title = serializers.CharField()
    text = serializers.CharField()
    published_at = serializers.DateTimeField(allow_null=True)
    received_at = serializers.DateTimeField()
    is_support = serializers.BooleanField()
    support_probability = serializers.FloatField()
    category_id = serializers.IntegerField(allow_null=True)
    urgency = serializers.CharField()
    state = serializers.CharField()
    explanation = serializers.JSONField(
        help_text=(
            'Why: {"model", "support": {"probability", "threshold", "prior", "for": '
            '[{"term", "weight"}], "against": [...], "unknown_terms"}, "category": {"slug", '
            '"probability", "terms": [...]}, "urgency": {"level", "rules": [...]}}'
        )
    )

    class Meta:
        ref_name = "ListeningItem"


class MatchSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.CharField()
    url = serializers.CharField(source="get_absolute_url")

    class Meta:
        ref_name = "ListeningMatch"


class ActionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    item_id = serializers.IntegerField()
    action = serializers.CharField()
    actor_id = serializers.IntegerField()
    thread_id = serializers.IntegerField(allow_null=True)
    reply_text = serializers.CharField()
    created_at = serializers.DateTimeField()

    class Meta:
        ref_name = "ListeningAction"


class ItemDetailSerializer(ItemSerializer):
    matches = MatchSerializer(many=True)
    actions = ActionSerializer(many=True)

    class Meta:
        ref_name = "ListeningItemDetail"


class SourceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    active = serializers.BooleanField()
    last_polled_at = serializers.DateTimeField(allow_null=True)
    last_success_at = serializers.DateTimeField(allow_null=True)
    last_error_at = serializers.DateTimeField(allow_null=True)
    last_error = serializers.CharField()
    consecutive_errors = serializers.IntegerField()
    items_received = serializers.IntegerField()
    open_items = serializers.IntegerField()

    class Meta:
        ref_name = "ListeningSource"


class StatsSerializer(serializers.Serializer):
    reply_link = serializers.IntegerField()
    invite = serializers.IntegerField()
    create_thread = serializers.IntegerField()
    dismiss = serializers.IntegerField()
    brought_in = serializers.IntegerField(help_text="invite + create_thread")
    solved_by_link = serializers.IntegerField(help_text="reply_link")
    total = serializers.IntegerField()

    class Meta:
        ref_name = "ListeningStats"


class IngestSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    support = serializers.IntegerField()

    class Meta:
        ref_name = "ListeningIngestResult"


# --- Inbox ----------------------------------------------------------------------------------


class ItemListApi(APIView):
    permission_classes = STAFF

    class FilterSerializer(serializers.Serializer):
        state = serializers.ChoiceField(
            choices=[*ItemState.choices, ("all", "all")], default=ItemState.OPEN
        )

        class Meta:
            ref_name = "ListeningItemFilter"

    @extend_schema(
        operation_id="listening_items_list",
        summary="The listening inbox: items needing action, most urgent first",
        parameters=[FilterSerializer],
        responses={200: ItemSerializer(many=True), **error_responses(400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        params = self.FilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        state = params.validated_data["state"]
        qs = selectors.inbox_items(state=None if state == "all" else state)
        paginator = WorkQueuePagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(ItemSerializer(page, many=True).data)


def _item_detail(item: Item, viewer: object) -> dict:
    data = dict(ItemSerializer(item).data)
    data["matches"] = MatchSerializer(
        selectors.item_matches(item=item, viewer=viewer), many=True
    ).data
    data["actions"] = ActionSerializer(selectors.item_actions(item=item), many=True).data
    return data


class ItemDetailApi(APIView):
    permission_classes = STAFF

    @extend_schema(
        operation_id="listening_items_retrieve",
        summary="One item with its explanation, matching threads and actions",
        responses={200: ItemDetailSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        item = selectors.item_get(item_id=pk)
        if item is None:
            raise NotFound()
        return Response(_item_detail(item, request.user))


class ItemActionApi(APIView):
    permission_classes = STAFF

    class InputSerializer(serializers.Serializer):
        action = serializers.ChoiceField(choices=ActionKind.choices)
        thread_id = serializers.IntegerField(required=False, help_text="reply_link: the thread.")
        category_id = serializers.IntegerField(
            required=False, help_text="invite / create_thread: overrides the item's category."
        )
        title = serializers.CharField(required=False, allow_blank=True, max_length=200)
        body = serializers.CharField(
            required=False, allow_blank=True, max_length=30_000, help_text="create_thread only."
        )

        class Meta:
            ref_name = "ListeningActionCreate"

    @extend_schema(
        operation_id="listening_items_act",
        summary="Reply with a link, invite the author, create a thread, or dismiss",
        request=InputSerializer,
        responses={201: ActionSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, pk: int) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        action = services.item_act(item_id=pk, actor=request.user, **serializer.validated_data)
        return Response(ActionSerializer(action).data, status=status.HTTP_201_CREATED)


# --- Sources and numbers ---------------------------------------------------------------------


class SourceListApi(APIView):
    permission_classes = STAFF

    @extend_schema(
        operation_id="listening_sources_list",
        summary="Sources with their health",
        responses={200: SourceSerializer(many=True), **error_responses(401, 403)},
    )
    def get(self, request: Request) -> Response:
        return Response(SourceSerializer(selectors.sources_with_health(), many=True).data)


class SourcePollApi(APIView):
    permission_classes = STAFF

    @extend_schema(
        operation_id="listening_sources_poll",
        summary="Poll a feed or mailbox now",
        request=None,
        responses={202: OpenApiResponse(description="Queued."), **error_responses(401, 403, 404)},
    )
    def post(self, request: Request, pk: int) -> Response:
        source = get_object_or_404(Source, pk=pk)
        enqueue_on_commit("listening.tasks.poll_source", source.pk)
        return Response({"queued": True}, status=status.HTTP_202_ACCEPTED)


class StatsApi(APIView):
    permission_classes = STAFF

    class FilterSerializer(serializers.Serializer):
        since = serializers.DateTimeField(required=False)
        until = serializers.DateTimeField(required=False)

        class Meta:
            ref_name = "ListeningStatsFilter"

    @extend_schema(
        operation_id="listening_stats",
        summary="Staff actions per kind in a period (default: the last 30 days)",
        parameters=[FilterSerializer],
        responses={200: StatsSerializer, **error_responses(400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        params = self.FilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        until = params.validated_data.get("until") or timezone.now()
        since = params.validated_data.get("since") or until - timedelta(days=30)
        return Response(selectors.action_counts(since=since, until=until))


# --- Inbound --------------------------------------------------------------------------------


class RawParser(BaseParser):
    """Accept any body; the view reads ``request.body`` itself (the signature covers the
    exact bytes)."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):  # type: ignore[no-untyped-def]
        return {}


_SIGNATURE_HELP = (
    "Headers: X-Timestamp (unix seconds, at most 5 minutes old) and X-Signature "
    '("sha256=" + hex HMAC-SHA256 of "<timestamp>.<raw body>" with the source\'s secret). '
    "A repeated signature is refused with 409; an item seen before (same id or link) is "
    "counted as a duplicate."
)


def _signed_ingest(request: Request, source_id: int, receive) -> Response:  # type: ignore[no-untyped-def]
    try:
        result = receive(
            source_id=source_id,
            body=request.body,
            timestamp=request.headers.get("X-Timestamp"),
            signature=request.headers.get("X-Signature"),
        )
    except PermissionDenied as exc:
        return Response(error_body(exc.code, exc.message), status=status.HTTP_401_UNAUTHORIZED)
    return Response(IngestSerializer(result).data, status=status.HTTP_202_ACCEPTED)


class MentionInboundApi(APIView):
    """A social-media tool posts brand mentions. Authenticated by the HMAC signature alone."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [RawParser]

    @extend_schema(
        operation_id="listening_inbound_mentions",
        summary="Mention events from a social-media tool",
        description=_SIGNATURE_HELP
        + ' Body: one mention {"id", "url", "author", "title", "text" or "html", '
        '"published_at"} or {"mentions": [...]} (at most 100).',
        request={"application/json": {"type": "object"}},
        responses={202: IngestSerializer, **error_responses(400, 401, 404, 409)},
    )
    def post(self, request: Request, pk: int) -> Response:
        return _signed_ingest(request, pk, services.mentions_receive)


class MailInboundApi(APIView):
    """A mail service forwards a raw RFC 822 message. Authenticated by the signature alone."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [RawParser]

    @extend_schema(
        operation_id="listening_inbound_mail",
        summary="A forwarded e-mail (raw RFC 822, message/rfc822)",
        description=_SIGNATURE_HELP,
        request={"message/rfc822": {"type": "string", "format": "binary"}},
        responses={202: IngestSerializer, **error_responses(400, 401, 404, 409)},
    )
    def post(self, request: Request, pk: int) -> Response:
        return _signed_ingest(request, pk, services.mail_receive)
