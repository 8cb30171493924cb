"""``GET /api/v1/metrics/``: the dashboard's figures (staff only), read from rollups."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import allowed_by, error_responses
from metrics import selectors
from metrics.forms import PERIOD_CHOICES, DashboardFilterForm
from metrics.permissions import can_view_dashboard


class MetricsSummaryApi(APIView):
    permission_classes = allowed_by(
        can_view_dashboard, _("Only staff can read the community metrics.")
    )

    class ResponseTimeSerializer(serializers.Serializer):
        mean_seconds = serializers.FloatField(allow_null=True, source="mean")
        median_seconds = serializers.FloatField(allow_null=True, source="median")
        p90_seconds = serializers.FloatField(allow_null=True, source="p90")

    class ExpertSerializer(serializers.Serializer):
        user_id = serializers.IntegerField()
        username = serializers.CharField(source="user__username")
        name = serializers.CharField()
        solutions = serializers.IntegerField()
        share_of_community_solutions = serializers.FloatField(allow_null=True, source="share")

    class SeriesSerializer(serializers.Serializer):
        start = serializers.DateField(source="bucket")
        asked = serializers.IntegerField()
        solved = serializers.IntegerField()
        solved_by_staff = serializers.IntegerField(source="by_staff")
        solved_by_community = serializers.IntegerField(source="by_community")
        escalations = serializers.IntegerField(source="escalated")

    class OutputSerializer(serializers.Serializer):
        since = serializers.DateField(source="period.since")
        until = serializers.DateField(source="period.until")
        category_id = serializers.IntegerField(source="period.category_id", allow_null=True)
        granularity = serializers.CharField(source="period.granularity")
        totals = serializers.DictField(child=serializers.IntegerField())
        figures = serializers.DictField()
        first_answer = serializers.SerializerMethodField()
        accepted_answer = serializers.SerializerMethodField()
        solved_thread_views = serializers.IntegerField(source="solved_views", allow_null=True)
        rewards_available = serializers.BooleanField()
        top_experts = serializers.SerializerMethodField()
        series = serializers.SerializerMethodField()

        def get_first_answer(self, obj: selectors.Dashboard) -> dict:
            return MetricsSummaryApi.ResponseTimeSerializer(obj.first_answer).data

        def get_accepted_answer(self, obj: selectors.Dashboard) -> dict:
            return MetricsSummaryApi.ResponseTimeSerializer(obj.accepted).data

        def get_top_experts(self, obj: selectors.Dashboard) -> list:
            return MetricsSummaryApi.ExpertSerializer(obj.experts, many=True).data

        def get_series(self, obj: selectors.Dashboard) -> list:
            return MetricsSummaryApi.SeriesSerializer(obj.series, many=True).data

    @extend_schema(
        operation_id="metrics_summary",
        summary="Community figures over a period (staff only)",
        parameters=[
            OpenApiParameter("period", str, enum=[c for c, _ in PERIOD_CHOICES], default="30d"),
            OpenApiParameter("category", str, description="Category slug; all if absent."),
            OpenApiParameter("start", str, description="YYYY-MM-DD (period=custom)."),
            OpenApiParameter("end", str, description="YYYY-MM-DD (period=custom)."),
        ],
        responses={200: OutputSerializer, **error_responses(400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        form = DashboardFilterForm(
            request.query_params, history_start=selectors.rollup_first_date()
        )
        if not form.is_valid():
            raise ValidationError(form.errors)
        data = selectors.dashboard_get(period=form.to_period())
        return Response(self.OutputSerializer(data).data)
