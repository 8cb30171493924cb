"""Rewards endpoints under ``/api/v1/rewards/``: wallet, payouts, methods, bounties, finance
decisions and the Stripe webhook. Thin views over rewards.selectors and rewards.services;
errors come out in core.api's one shape."""

from __future__ import annotations

import json
import logging

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import Role, has_role
from core.api import WRITE_THROTTLE_CLASSES, allowed_by, error_body, error_responses
from rewards import selectors, services
from rewards.models import Payout, PayoutMethod, PayoutMethodKind, PayoutState, WebhookEvent

logger = logging.getLogger(__name__)


def _is_finance(user: object) -> bool:
    return has_role(user, Role.FINANCE)


FINANCE = allowed_by(_is_finance, _("Only finance staff can manage payouts."))


class PayoutSerializer(serializers.ModelSerializer):
    class Meta:
        model = Payout
        fields = [
            "id",
            "amount_minor",
            "currency",
            "state",
            "method",
            "requested_at",
            "decided_at",
            "reject_reason",
            "submitted_at",
            "finished_at",
            "failure_reason",
        ]
        read_only_fields = fields


class PayoutMethodSerializer(serializers.ModelSerializer):
    class Meta:
        model = PayoutMethod
        fields = ["id", "kind", "holder_name", "iban", "stripe_account_id", "created_at"]
        read_only_fields = fields


class WalletApi(APIView):
    permission_classes = [IsAuthenticated]

    class OutputSerializer(serializers.Serializer):
        points = serializers.IntegerField()
        cash_balance = serializers.IntegerField(help_text="Minor units; negative is a debt.")
        cash_on_hold = serializers.IntegerField()
        cash_available = serializers.IntegerField()
        cash_in_payouts = serializers.IntegerField()
        pending_cash = serializers.IntegerField(help_text="Waiting for program budget.")

        class Meta:
            ref_name = "RewardsWallet"

    @extend_schema(
        operation_id="rewards_wallet",
        summary="Your points and cash (minor units)",
        responses={200: OutputSerializer, **error_responses(401)},
    )
    def get(self, request: Request) -> Response:
        wallet = selectors.wallet_for(user_id=request.user.pk)
        return Response(self.OutputSerializer(wallet).data)


class PayoutListCreateApi(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = WRITE_THROTTLE_CLASSES
    throttle_scope = "writes"

    class InputSerializer(serializers.Serializer):
        method_id = serializers.IntegerField()
        # Kept raw: the service says precisely why 12.5 or "abc" is not an amount.
        amount_minor = serializers.JSONField(help_text="Whole cents, e.g. 2500 for 25.00 EUR.")
        currency = serializers.CharField(required=False, default="EUR")

        class Meta:
            ref_name = "PayoutRequest"

    @extend_schema(
        operation_id="rewards_payouts_list",
        summary="Your payouts, newest first",
        responses={200: PayoutSerializer(many=True), **error_responses(401)},
    )
    def get(self, request: Request) -> Response:
        payouts = selectors.payouts_of(user_id=request.user.pk)[:100]
        return Response(PayoutSerializer(payouts, many=True).data)

    @extend_schema(
        operation_id="rewards_payouts_request",
        summary="Request a payout of available cash",
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                required=True,
                description="Unique per request; a retry with the same key returns the same "
                "payout.",
            )
        ],
        request=InputSerializer,
        responses={201: PayoutSerializer, **error_responses(400, 401, 404, 409, 429)},
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        payout = services.payout_request(
            user=request.user,
            method_id=data["method_id"],
            amount_minor=data["amount_minor"],
            currency=data["currency"],
            idempotency_key=request.headers.get("Idempotency-Key", ""),
        )
        return Response(PayoutSerializer(payout).data, status=status.HTTP_201_CREATED)


class PayoutMethodListCreateApi(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = WRITE_THROTTLE_CLASSES
    throttle_scope = "writes"

    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=PayoutMethodKind.choices)
        holder_name = serializers.CharField(required=False, default="", allow_blank=True)
        iban = serializers.CharField(required=False, default="", allow_blank=True)
        stripe_account_id = serializers.CharField(required=False, default="", allow_blank=True)

        class Meta:
            ref_name = "PayoutMethodCreate"

    @extend_schema(
        operation_id="rewards_methods_list",
        summary="Your payout methods",
        responses={200: PayoutMethodSerializer(many=True), **error_responses(401)},
    )
    def get(self, request: Request) -> Response:
        methods = selectors.payout_methods_of(user_id=request.user.pk)
        return Response(PayoutMethodSerializer(methods, many=True).data)

    @extend_schema(
        operation_id="rewards_methods_create",
        summary="Add a SEPA account (IBAN) or a Stripe Connect account",
        request=InputSerializer,
        responses={201: PayoutMethodSerializer, **error_responses(400, 401, 429)},
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        method = services.payout_method_create(user=request.user, **serializer.validated_data)
        return Response(PayoutMethodSerializer(method).data, status=status.HTTP_201_CREATED)


class BountyCreateApi(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = WRITE_THROTTLE_CLASSES
    throttle_scope = "writes"

    class InputSerializer(serializers.Serializer):
        thread_id = serializers.IntegerField()
        amount_minor = serializers.JSONField()
        currency = serializers.CharField(default="PTS")
        days = serializers.IntegerField(required=False, min_value=1, max_value=60)

        class Meta:
            ref_name = "BountyCreate"

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        thread_id = serializers.IntegerField()
        currency = serializers.CharField()
        amount_minor = serializers.IntegerField()
        status = serializers.CharField()
        expires_at = serializers.DateTimeField()

        class Meta:
            ref_name = "Bounty"

    @extend_schema(
        operation_id="rewards_bounties_create",
        summary="Put points (staff: also cash) on an open question",
        request=InputSerializer,
        responses={201: OutputSerializer, **error_responses(400, 401, 403, 404, 409, 429)},
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        bounty = services.bounty_create(
            thread_id=data["thread_id"],
            funder=request.user,
            currency=data["currency"],
            amount_minor=data["amount_minor"],
            days=data.get("days"),
        )
        return Response(self.OutputSerializer(bounty).data, status=status.HTTP_201_CREATED)


class FinancePayoutListApi(APIView):
    permission_classes = FINANCE

    @extend_schema(
        operation_id="rewards_finance_payouts",
        summary="Payouts for finance (filter by ?state=)",
        parameters=[OpenApiParameter("state", str, enum=PayoutState.values)],
        responses={200: PayoutSerializer(many=True), **error_responses(401, 403)},
    )
    def get(self, request: Request) -> Response:
        state = request.query_params.get("state") or None
        payouts = selectors.payouts_for_finance(state=state)[:200]
        return Response(PayoutSerializer(payouts, many=True).data)


class PayoutApproveApi(APIView):
    permission_classes = FINANCE

    @extend_schema(
        operation_id="rewards_payouts_approve",
        summary="Approve a requested payout (finance; never your own)",
        request=None,
        responses={200: PayoutSerializer, **error_responses(401, 403, 404, 409)},
    )
    def post(self, request: Request, pk: int) -> Response:
        payout = services.payout_approve(payout_id=pk, actor=request.user)
        return Response(PayoutSerializer(payout).data)


class PayoutRejectApi(APIView):
    permission_classes = FINANCE

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=300)

        class Meta:
            ref_name = "PayoutReject"

    @extend_schema(
        operation_id="rewards_payouts_reject",
        summary="Reject a requested payout with a reason; the money goes back to the wallet",
        request=InputSerializer,
        responses={200: PayoutSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, pk: int) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        payout = services.payout_reject(
            payout_id=pk, actor=request.user, reason=serializer.validated_data["reason"]
        )
        return Response(PayoutSerializer(payout).data)


class RawBodyParser(BaseParser):
    """The signature covers the exact bytes: keep them, parse nothing."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):  # type: ignore[no-untyped-def]
        return stream.read()


class StripeWebhookApi(APIView):
    """Stripe events about our transfers. Verified by signature, deduplicated by event id."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    parser_classes = [RawBodyParser]
    throttle_classes: list = []

    @extend_schema(
        operation_id="rewards_stripe_webhook",
        summary="Stripe webhook (signed with Stripe-Signature)",
        request=None,
        responses={200: None, **error_responses(400)},
    )
    def post(self, request: Request) -> Response:
        import stripe

        from rewards.providers.stripe_connect import webhook_event_construct

        payload: bytes = request.body
        try:
            event = webhook_event_construct(
                payload=payload, signature=request.headers.get("Stripe-Signature", "")
            )
        except (stripe.SignatureVerificationError, ValueError):
            return Response(
                error_body("bad_signature", "The webhook signature does not verify."),
                status=status.HTTP_400_BAD_REQUEST,
            )
        data = json.loads(payload)
        try:
            with transaction.atomic():
                WebhookEvent.objects.create(
                    provider="stripe", event_id=data["id"], event_type=data["type"], payload=data
                )
                _stripe_event_apply(data)
        except IntegrityError:
            # Seen before: Stripe retries until it gets a 2xx, so say yes and do nothing.
            return Response({"status": "duplicate"})
        logger.info("stripe webhook %s %s applied", event.id, event.type)
        return Response({"status": "ok"})


def _stripe_event_apply(data: dict) -> None:
    obj = data.get("data", {}).get("object", {})
    payout_id = (obj.get("metadata") or {}).get("payout_id")
    if not payout_id or not str(payout_id).isdigit():
        return
    payout_id = int(payout_id)
    if data["type"] == "transfer.created":
        services.payout_mark_paid(payout_id=payout_id, reference=str(obj.get("id", "")))
    elif data["type"] == "transfer.reversed":
        services.payout_mark_failed(payout_id=payout_id, reason="transfer reversed by Stripe")
