"""REST API of the experts app under ``/api/v1/experts/``: thin views over selectors."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from core.api import WRITE_THROTTLE_CLASSES, error_responses
from core.exceptions import NotFound
from experts import selectors, services
from experts.models import ExpertAvailability
from forum.models import Category
from forum.selectors import category_get


class _UserSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField(source="public_name")


class LeaderboardApi(APIView):
    permission_classes = [AllowAny]

    class InputSerializer(serializers.Serializer):
        category = serializers.SlugField(required=False)
        period = serializers.ChoiceField(
            choices=selectors.Period.CHOICES, default=selectors.Period.ALL
        )
        exclude_staff = serializers.BooleanField(default=False)

    class OutputSerializer(serializers.Serializer):
        position = serializers.IntegerField()
        user = _UserSerializer()
        score = serializers.FloatField()
        accepted = serializers.IntegerField()
        rank = serializers.CharField()

    @extend_schema(
        parameters=[InputSerializer],
        responses={200: OutputSerializer(many=True), **error_responses(400, 404)},
        summary="Top experts overall or in a category",
    )
    def get(self, request: Request) -> Response:
        params = self.InputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        category = None
        if params.validated_data.get("category"):
            category = category_get(slug=params.validated_data["category"])
            if category is None:
                raise NotFound(_("This category does not exist."))
        rows = selectors.leaderboard(
            category=category,
            period=params.validated_data["period"],
            exclude_staff=params.validated_data["exclude_staff"],
        )
        return Response(self.OutputSerializer(rows, many=True).data)


class ExpertDetailApi(APIView):
    permission_classes = [AllowAny]

    class OutputSerializer(serializers.Serializer):
        class StandingSerializer(serializers.Serializer):
            category = serializers.SlugField(source="category.slug", allow_null=True)
            score = serializers.FloatField()
            accepted = serializers.IntegerField(source="accepted_count")
            answers = serializers.IntegerField(source="answer_count")

        class AcceptedSerializer(serializers.Serializer):
            post_id = serializers.IntegerField()
            thread_id = serializers.IntegerField()
            title = serializers.CharField(source="thread.title")
            accepted_at = serializers.DateTimeField()

        class BadgeSerializer(serializers.Serializer):
            code = serializers.CharField(source="badge.code")
            name = serializers.CharField(source="badge.name")
            category = serializers.SlugField(source="category.slug", allow_null=True)
            awarded_at = serializers.DateTimeField()

        user = _UserSerializer()
        rank = serializers.CharField()
        standings = StandingSerializer(many=True)
        recent_accepted = AcceptedSerializer(many=True)
        badges = BadgeSerializer(many=True)

    @extend_schema(
        parameters=[OpenApiParameter("username", str, OpenApiParameter.PATH)],
        responses={200: OutputSerializer, **error_responses(404)},
        summary="An expert's standing per category, recent accepted answers and badges",
    )
    def get(self, request: Request, username: str) -> Response:
        person = User.objects.filter(username=username, is_active=True).first()
        if person is None:
            raise NotFound(_("This person does not exist."))
        data = {
            "user": person,
            "rank": selectors.user_rank(user_id=person.pk),
            "standings": list(selectors.standings_for(user=person)),
            "recent_accepted": selectors.recent_accepted_answers(user=person),
            "badges": list(selectors.badges_of(user=person)),
        }
        return Response(self.OutputSerializer(data).data)


class QuestionsForMeApi(APIView):
    permission_classes = [IsAuthenticated]

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        title = serializers.CharField()
        category = serializers.SlugField(source="category.slug")
        status = serializers.CharField()
        created_at = serializers.DateTimeField()

    @extend_schema(
        responses={200: OutputSerializer(many=True), **error_responses(401, 403)},
        summary="Open questions routed to me or matching my categories and tags",
    )
    def get(self, request: Request) -> Response:
        threads = selectors.questions_for(user=request.user)  # type: ignore[arg-type]
        return Response(self.OutputSerializer(threads, many=True).data)


class AvailabilityApi(APIView):
    permission_classes = [IsAuthenticated]
    throttle_scope = "writes"

    def get_throttles(self) -> list[Any]:
        if self.request.method == "PUT":
            return [cls() for cls in WRITE_THROTTLE_CLASSES]
        return super().get_throttles()

    class InputSerializer(serializers.Serializer):
        routing_opt_out = serializers.BooleanField()
        categories = serializers.ListField(child=serializers.SlugField(), default=list)
        max_per_day = serializers.IntegerField(
            min_value=0, max_value=100, required=False, allow_null=True
        )

    class OutputSerializer(serializers.Serializer):
        routing_opt_out = serializers.BooleanField()
        categories = serializers.ListField(child=serializers.SlugField())
        max_per_day = serializers.IntegerField(allow_null=True)

    def _out(self, user_id: int) -> dict[str, Any]:
        row = ExpertAvailability.objects.filter(user_id=user_id).first()
        if row is None:
            return {"routing_opt_out": False, "categories": [], "max_per_day": None}
        return {
            "routing_opt_out": row.routing_opt_out,
            "categories": list(row.categories.values_list("slug", flat=True)),
            "max_per_day": row.max_per_day,
        }

    @extend_schema(responses={200: OutputSerializer, **error_responses(401, 403)})
    def get(self, request: Request) -> Response:
        return Response(self.OutputSerializer(self._out(request.user.pk)).data)

    @extend_schema(
        request=InputSerializer,
        responses={200: OutputSerializer, **error_responses(400, 401, 403)},
    )
    def put(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        slugs = data.validated_data["categories"]
        ids = dict(Category.objects.filter(slug__in=slugs).values_list("slug", "pk"))
        unknown = [s for s in slugs if s not in ids]
        if unknown:
            raise serializers.ValidationError({"categories": [_("Unknown category.")]})
        services.availability_set(
            user_id=request.user.pk,
            routing_opt_out=data.validated_data["routing_opt_out"],
            category_ids=list(ids.values()),
            max_per_day=data.validated_data.get("max_per_day"),
        )
        return Response(self.OutputSerializer(self._out(request.user.pk)).data)
