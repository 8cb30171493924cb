"""Search and deflection API (``/api/v1/search/…``), thin views over ``forum.search``.

* ``GET search/`` — full-text search with the search page's filters, page-number
  pagination (results are in rank order, which a cursor cannot follow).
* ``GET search/similar/?title=`` — up to 5 threads that may already answer a draft
  question (solved first), for the ask page while the title is typed.
* ``POST search/deflections/`` — the person about to ask opened a suggestion.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import WRITE_THROTTLE_CLASSES, error_responses
from forum.models import Category, Tag
from forum.search import SearchFilters, StatusFilter, search_threads, similar_threads
from forum.search.deflection import deflection_record
from forum.selectors import visible_threads
from forum.serializers import ThreadSummarySerializer

MAX_PAGE_SIZE = 50
SIMILAR_LIMIT = 5


class SearchFiltersSerializer(serializers.Serializer):
    """The filters shared by the search page and the API."""

    category = serializers.SlugField(required=False, allow_blank=True)
    tag = serializers.SlugField(required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=StatusFilter.CHOICES, required=False, allow_blank=True)

    def validate_category(self, value: str) -> Category | None:
        if not value:
            return None
        category = Category.objects.filter(slug=value, is_active=True).first()
        if category is None:
            raise serializers.ValidationError(_("There is no such category."))
        return category

    def validate_tag(self, value: str) -> Tag | None:
        if not value:
            return None
        tag = Tag.objects.filter(slug=value).first()
        if tag is None:
            raise serializers.ValidationError(_("There is no such tag."))
        return tag

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("date_from"), attrs.get("date_to")
        if start and end and start > end:
            raise serializers.ValidationError({"to": [_("The end date is before the start.")]})
        return attrs

    def filters(self) -> SearchFilters:
        data = self.validated_data
        return SearchFilters(
            category=data.get("category"),
            tag=data.get("tag"),
            status=data.get("status") or None,
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )


class _OptionalDateField(serializers.DateField):
    """An empty ``from=`` (what a submitted empty form sends) means "no limit"."""

    def to_internal_value(self, value: Any) -> Any:
        return None if value == "" else super().to_internal_value(value)


# The URL parameters are "from" and "to" (inclusive days), which cannot be Python names.
SearchFiltersSerializer._declared_fields["from"] = _OptionalDateField(
    source="date_from", required=False, allow_null=True, help_text="Asked on or after."
)
SearchFiltersSerializer._declared_fields["to"] = _OptionalDateField(
    source="date_to", required=False, allow_null=True, help_text="Asked on or before."
)


class SearchApi(APIView):
    permission_classes = [AllowAny]

    class InputSerializer(SearchFiltersSerializer):
        q = serializers.CharField(max_length=200, trim_whitespace=True)
        page = serializers.IntegerField(required=False, min_value=1, max_value=1000, default=1)
        page_size = serializers.IntegerField(
            required=False, min_value=1, max_value=MAX_PAGE_SIZE, default=20
        )

    class OutputSerializer(ThreadSummarySerializer):
        title_html = serializers.CharField(help_text="Title with matches in <mark>.")
        snippet_html = serializers.CharField(help_text="Matching text with <mark>; safe HTML.")

    @extend_schema(
        operation_id="search",
        parameters=[InputSerializer],
        responses={
            200: inline_serializer(
                "SearchResults",
                {
                    "count": serializers.IntegerField(),
                    "count_is_capped": serializers.BooleanField(
                        help_text="More threads matched than were ranked; narrow the query."
                    ),
                    "page": serializers.IntegerField(),
                    "num_pages": serializers.IntegerField(),
                    "results": OutputSerializer(many=True),
                },
            ),
            **error_responses(400),
        },
    )
    def get(self, request: Request) -> Response:
        params = self.InputSerializer(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        data = params.validated_data
        results = search_threads(
            query=data["q"],
            viewer=request.user,
            filters=params.filters(),
            page=data["page"],
            per_page=data["page_size"],
        )
        rows = []
        for hit in results.hits:
            hit.thread.title_html = hit.title_html
            hit.thread.snippet_html = hit.snippet_html
            rows.append(hit.thread)
        return Response(
            {
                "count": results.total,
                "count_is_capped": results.capped,
                "page": results.page,
                "num_pages": results.num_pages,
                "results": self.OutputSerializer(
                    rows, many=True, context={"request": request}
                ).data,
            }
        )


class SimilarThreadsApi(APIView):
    permission_classes = [AllowAny]

    class InputSerializer(serializers.Serializer):
        title = serializers.CharField(max_length=300, trim_whitespace=True, allow_blank=True)

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        title = serializers.CharField()
        status = serializers.CharField()
        is_solved = serializers.BooleanField()
        answer_count = serializers.IntegerField()
        url = serializers.CharField(source="get_absolute_url")

    @extend_schema(
        operation_id="search_similar",
        parameters=[InputSerializer],
        responses={
            200: inline_serializer("SimilarThreads", {"results": OutputSerializer(many=True)}),
            **error_responses(400),
        },
    )
    def get(self, request: Request) -> Response:
        params = self.InputSerializer(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        threads = similar_threads(
            title=params.validated_data["title"], viewer=request.user, limit=SIMILAR_LIMIT
        )
        return Response({"results": self.OutputSerializer(threads, many=True).data})


class DeflectionCreateApi(APIView):
    """Record that someone on the ask page opened a suggested thread."""

    permission_classes = [AllowAny]
    throttle_classes = WRITE_THROTTLE_CLASSES
    throttle_scope = "writes"

    class InputSerializer(serializers.Serializer):
        thread_id = serializers.IntegerField(min_value=1)
        query = serializers.CharField(max_length=200, required=False, allow_blank=True)
        rank = serializers.IntegerField(min_value=1, max_value=SIMILAR_LIMIT, required=False)

    @extend_schema(
        operation_id="search_deflection_create",
        request=InputSerializer,
        responses={201: inline_serializer("Deflection", {"id": serializers.IntegerField()})},
    )
    def post(self, request: Request) -> Response:
        params = self.InputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        thread = visible_threads(request.user).filter(pk=data["thread_id"]).first()
        if thread is None:
            raise serializers.ValidationError({"thread_id": [_("This question does not exist.")]})
        session = getattr(request, "session", None)
        if session is not None and not session.session_key:
            session.save()  # anonymous visitors get a session key to group their events
        event = deflection_record(
            thread=thread,
            session_key=(session.session_key if session is not None else "") or "",
            user=request.user if request.user.is_authenticated else None,
            query=data.get("query", ""),
            rank=data.get("rank"),
        )
        return Response({"id": event.pk}, status=status.HTTP_201_CREATED)
