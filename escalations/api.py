"""Escalation endpoints under ``/api/v1/escalations/`` (staff only, except "ask staff" for
the asker and the signed inbound helpdesk webhook)."""

from __future__ import annotations

import json
import time

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from core.api import WorkQueuePagination, allowed_by, error_body, error_responses
from escalations import permissions, selectors, services
from escalations.models import Case, CaseState, Resolution
from escalations.webhooks import SignatureError, signature_verify

STAFF = allowed_by(permissions.can_work_cases, _("Only support staff can use the escalation desk."))


# --- Output ---------------------------------------------------------------------------------


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField(source="public_name")

    class Meta:
        ref_name = "EscalationUserRef"


class CaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    state = serializers.CharField()
    resolution = serializers.CharField()
    source = serializers.CharField()
    reason = serializers.CharField()
    thread_id = serializers.IntegerField()
    thread_title = serializers.CharField(source="thread.title")
    category_id = serializers.IntegerField(source="thread.category_id")
    customer = UserRefSerializer()
    assignee = UserRefSerializer(allow_null=True)
    opened_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)
    breached = serializers.SerializerMethodField()
    reopen_count = serializers.IntegerField()

    class Meta:
        ref_name = "EscalationCase"

    def get_breached(self, case: Case) -> bool:
        from django.utils import timezone

        return bool(case.is_open and case.due_at and case.due_at <= timezone.now())


class NoteSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    author = UserRefSerializer()
    body = serializers.CharField()
    created_at = serializers.DateTimeField()

    class Meta:
        ref_name = "EscalationNote"


class CaseEventSerializer(serializers.Serializer):
    kind = serializers.CharField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    actor_id = serializers.IntegerField(allow_null=True)
    data = serializers.DictField()
    created_at = serializers.DateTimeField()

    class Meta:
        ref_name = "EscalationCaseEvent"


class CaseDetailSerializer(CaseSerializer):
    notes = NoteSerializer(many=True)
    events = CaseEventSerializer(many=True)

    class Meta:
        ref_name = "EscalationCaseDetail"


class DeliverySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    endpoint = serializers.CharField(source="endpoint.name")
    case_id = serializers.IntegerField(allow_null=True)
    event = serializers.CharField()
    idempotency_key = serializers.CharField()
    state = serializers.CharField()
    attempts = serializers.IntegerField()
    last_status_code = serializers.IntegerField(allow_null=True)
    last_error = serializers.CharField()
    created_at = serializers.DateTimeField()
    delivered_at = serializers.DateTimeField(allow_null=True)

    class Meta:
        ref_name = "WebhookDelivery"


def _case_detail(case_id: int) -> dict:
    case = selectors.case_get(pk=case_id)
    if case is None:
        raise NotFound()
    data = dict(CaseSerializer(case).data)
    data["notes"] = NoteSerializer(selectors.case_notes(case=case), many=True).data
    data["events"] = CaseEventSerializer(selectors.case_events(case=case), many=True).data
    return data


# --- Queue and case -------------------------------------------------------------------------


class CaseListCreateApi(APIView):
    permission_classes = STAFF

    class FilterSerializer(serializers.Serializer):
        state = serializers.ChoiceField(choices=CaseState.choices, required=False)
        category = serializers.IntegerField(required=False, help_text="Category id.")
        assignee = serializers.RegexField(
            r"^(me|none|\d+)$", required=False, help_text='A user id, "me" or "none".'
        )

        class Meta:
            ref_name = "EscalationCaseFilter"

    class InputSerializer(serializers.Serializer):
        thread_id = serializers.IntegerField()
        reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)

        class Meta:
            ref_name = "EscalationCaseCreate"

    @extend_schema(
        operation_id="escalations_cases_list",
        summary="The staff queue: unresolved cases, most urgent first",
        parameters=[FilterSerializer],
        responses={200: CaseSerializer(many=True), **error_responses(400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        params = self.FilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        qs = selectors.case_queue(
            state=params.validated_data.get("state"),
            category_id=params.validated_data.get("category"),
            assignee=params.validated_data.get("assignee"),
            viewer=request.user,
        )
        paginator = WorkQueuePagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        response = paginator.get_paginated_response(CaseSerializer(page, many=True).data)
        response.data["counts"] = selectors.case_counts()
        return response

    @extend_schema(
        operation_id="escalations_cases_create",
        summary="Escalate a question (moderators)",
        request=InputSerializer,
        responses={201: CaseDetailSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        case = services.escalation_open_by_moderator(
            thread_id=serializer.validated_data["thread_id"],
            moderator=request.user,
            reason=serializer.validated_data.get("reason", ""),
        )
        return Response(_case_detail(case.pk), status=status.HTTP_201_CREATED)


class CaseDetailApi(APIView):
    permission_classes = STAFF

    @extend_schema(
        operation_id="escalations_cases_retrieve",
        summary="A case with its notes and history",
        responses={200: CaseDetailSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        get_object_or_404(Case, pk=pk)
        return Response(_case_detail(pk))


class _CaseActionApi(APIView):
    """POST with no body (or the action's InputSerializer) → the case after the action."""

    permission_classes = STAFF
    InputSerializer: type[serializers.Serializer] | None = None

    def act(self, request: Request, pk: int, data: dict) -> None:
        raise NotImplementedError

    def post(self, request: Request, pk: int) -> Response:
        data: dict = {}
        if self.InputSerializer is not None:
            serializer = self.InputSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
        self.act(request, pk, data)
        return Response(_case_detail(pk))


def _action_schema(operation_id: str, summary: str, request: object = None):  # type: ignore[no-untyped-def]
    return extend_schema(
        operation_id=operation_id,
        summary=summary,
        request=request,
        responses={200: CaseDetailSerializer, **error_responses(400, 401, 403, 404, 409)},
    )


class CaseClaimApi(_CaseActionApi):
    @_action_schema("escalations_cases_claim", "Take an open, unassigned case")
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def act(self, request: Request, pk: int, data: dict) -> None:
        services.case_claim(case_id=pk, actor=request.user)


class CaseAssignApi(_CaseActionApi):
    class InputSerializer(serializers.Serializer):
        assignee_id = serializers.IntegerField()

        class Meta:
            ref_name = "EscalationAssign"

    @_action_schema("escalations_cases_assign", "Assign or reassign (leads)", InputSerializer)
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def act(self, request: Request, pk: int, data: dict) -> None:
        assignee = User.objects.filter(pk=data["assignee_id"], is_active=True).first()
        if assignee is None:
            raise serializers.ValidationError({"assignee_id": ["No such user."]})
        services.case_assign(case_id=pk, actor=request.user, assignee=assignee)


class CaseUnassignApi(_CaseActionApi):
    @_action_schema("escalations_cases_unassign", "Put a case back into the open queue")
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def act(self, request: Request, pk: int, data: dict) -> None:
        services.case_unassign(case_id=pk, actor=request.user)


class CaseWaitApi(_CaseActionApi):
    @_action_schema("escalations_cases_wait", "Wait on the customer")
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def act(self, request: Request, pk: int, data: dict) -> None:
        services.case_wait_on_customer(case_id=pk, actor=request.user)


class CaseResolveApi(_CaseActionApi):
    class InputSerializer(serializers.Serializer):
        resolution = serializers.ChoiceField(
            choices=Resolution.choices, default=Resolution.BY_STAFF
        )

        class Meta:
            ref_name = "EscalationResolve"

    @_action_schema("escalations_cases_resolve", "Resolve a case", InputSerializer)
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def act(self, request: Request, pk: int, data: dict) -> None:
        services.case_resolve(case_id=pk, actor=request.user, resolution=data["resolution"])


class CaseReopenApi(_CaseActionApi):
    @_action_schema("escalations_cases_reopen", "Reopen a resolved case")
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def act(self, request: Request, pk: int, data: dict) -> None:
        services.case_reopen(case_id=pk, actor=request.user)


class CaseAnswerApi(_CaseActionApi):
    class InputSerializer(serializers.Serializer):
        body = serializers.CharField(trim_whitespace=False, help_text="Markdown.")
        accept = serializers.BooleanField(default=False)

        class Meta:
            ref_name = "EscalationAnswer"

    @_action_schema(
        "escalations_cases_answer", "Post an official staff answer in the thread", InputSerializer
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def act(self, request: Request, pk: int, data: dict) -> None:
        services.case_answer_post(
            case_id=pk, actor=request.user, body=data["body"], accept=data["accept"]
        )


class CaseNoteListCreateApi(APIView):
    permission_classes = STAFF

    class InputSerializer(serializers.Serializer):
        body = serializers.CharField(max_length=10_000)

        class Meta:
            ref_name = "EscalationNoteCreate"

    @extend_schema(
        operation_id="escalations_notes_list",
        summary="Internal notes of a case",
        responses={200: NoteSerializer(many=True), **error_responses(401, 403, 404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        case = get_object_or_404(Case, pk=pk)
        return Response(NoteSerializer(selectors.case_notes(case=case), many=True).data)

    @extend_schema(
        operation_id="escalations_notes_create",
        summary="Add an internal note (never shown to the customer)",
        request=InputSerializer,
        responses={201: NoteSerializer, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request: Request, pk: int) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        note = services.case_note_add(
            case_id=pk, author=request.user, body=serializer.validated_data["body"]
        )
        return Response(NoteSerializer(note).data, status=status.HTTP_201_CREATED)


class StaffDutyApi(APIView):
    permission_classes = STAFF

    class InputSerializer(serializers.Serializer):
        on_duty = serializers.BooleanField()

        class Meta:
            ref_name = "StaffDuty"

    @extend_schema(
        operation_id="escalations_duty_update",
        summary="Go on or off duty (auto-assignment is round-robin among those on duty)",
        request=InputSerializer,
        responses={200: InputSerializer, **error_responses(400, 401, 403)},
    )
    def put(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        duty = services.staff_duty_set(
            user=request.user, on_duty=serializer.validated_data["on_duty"]
        )
        return Response({"on_duty": duty.on_duty})


# --- Customer -------------------------------------------------------------------------------


class ThreadAskStaffApi(APIView):
    permission_classes = [IsAuthenticated]
    throttle_scope = "writes"

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)

        class Meta:
            ref_name = "EscalationAskStaff"

    @extend_schema(
        operation_id="escalations_ask_staff",
        summary="Ask staff for help on your own question",
        request=InputSerializer,
        responses={
            201: inline_serializer(
                "EscalationAskStaffResult",
                {"case_id": serializers.IntegerField(), "state": serializers.CharField()},
            ),
            **error_responses(400, 401, 403, 404, 409),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        case = services.escalation_request_by_customer(
            thread_id=pk, customer=request.user, reason=serializer.validated_data.get("reason", "")
        )
        # The customer sees that staff have it, not the desk's internals.
        return Response({"case_id": case.pk, "state": case.state}, status=status.HTTP_201_CREATED)


# --- Webhooks -------------------------------------------------------------------------------


class DeliveryListApi(APIView):
    permission_classes = STAFF

    @extend_schema(
        operation_id="escalations_deliveries_list",
        summary="Outbound webhook delivery log",
        responses={200: DeliverySerializer(many=True), **error_responses(401, 403)},
    )
    def get(self, request: Request) -> Response:
        case_id = request.query_params.get("case")
        qs = selectors.deliveries(case_id=int(case_id) if case_id and case_id.isdigit() else None)
        paginator = WorkQueuePagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(DeliverySerializer(page, many=True).data)


class DeliveryRedeliverApi(APIView):
    permission_classes = STAFF

    @extend_schema(
        operation_id="escalations_deliveries_redeliver",
        summary="Send a delivery again (same payload and idempotency key)",
        request=None,
        responses={202: DeliverySerializer, **error_responses(401, 403, 404)},
    )
    def post(self, request: Request, pk: int) -> Response:
        delivery = services.webhook_redeliver(delivery_id=pk, actor=request.user)
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


class InboundWebhookApi(APIView):
    """The helpdesk reports back. Authenticated by the HMAC signature alone."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    class ReplySerializer(serializers.Serializer):
        body = serializers.CharField(trim_whitespace=False)
        author_email = serializers.EmailField(required=False)
        accept = serializers.BooleanField(default=False)

        class Meta:
            ref_name = "InboundReply"

    class InputSerializer(serializers.Serializer):
        event_id = serializers.CharField(max_length=100)
        case_id = serializers.IntegerField()
        state = serializers.ChoiceField(choices=CaseState.choices, required=False)
        resolution = serializers.ChoiceField(choices=Resolution.choices, required=False)
        assignee_email = serializers.EmailField(required=False, allow_null=True)
        reply = serializers.DictField(required=False)  # validated by ReplySerializer

        class Meta:
            ref_name = "InboundCaseUpdate"

    @extend_schema(
        operation_id="escalations_inbound",
        summary="Helpdesk → community: update a case, post the agent's reply",
        description=(
            "Headers: X-Timestamp (unix seconds, at most 5 minutes old) and X-Signature "
            '("sha256=" + hex HMAC-SHA256 of "<timestamp>.<raw body>" with the shared '
            "secret). An event_id seen before is acknowledged and ignored. "
            '"assignee_email": null unassigns.'
        ),
        request=InputSerializer,
        responses={
            200: OpenApiResponse(description="Applied, or a duplicate that was ignored."),
            **error_responses(400, 401, 404, 409),
        },
    )
    def post(self, request: Request) -> Response:
        body = request.body
        try:
            signature_verify(
                secret=settings.ESCALATIONS_INBOUND_SECRET,
                timestamp=request.headers.get("X-Timestamp"),
                signature=request.headers.get("X-Signature"),
                body=body,
                now=time.time(),
                max_age_seconds=settings.ESCALATIONS_INBOUND_MAX_AGE.total_seconds(),
            )
        except SignatureError as exc:
            return Response(error_body(exc.code, str(exc)), status=status.HTTP_401_UNAUTHORIZED)
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return Response(
                error_body("parse_error", "The body is not valid JSON."),
                status=status.HTTP_400_BAD_REQUEST,
            )
        if not isinstance(payload, dict):
            return Response(
                error_body("parse_error", "The body must be a JSON object."),
                status=status.HTTP_400_BAD_REQUEST,
            )
        serializer = self.InputSerializer(data=payload)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        reply = None
        if "reply" in data:
            reply_serializer = self.ReplySerializer(data=data["reply"])
            if not reply_serializer.is_valid():
                raise serializers.ValidationError({"reply": reply_serializer.errors})
            reply = reply_serializer.validated_data
        applied, case = services.inbound_event_apply(
            event_id=data["event_id"],
            case_id=data["case_id"],
            state=data.get("state"),
            resolution=data.get("resolution"),
            assignee_email=data.get("assignee_email") or None,
            unassign="assignee_email" in data and data["assignee_email"] is None,
            reply_body=reply["body"] if reply else None,
            reply_author_email=reply.get("author_email") if reply else None,
            reply_accept=bool(reply and reply["accept"]),
        )
        return Response(
            {
                "status": "applied" if applied else "duplicate",
                "case_id": case.pk,
                "state": case.state,
            }
        )
