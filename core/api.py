"""API plumbing shared by every app: pagination and the one error shape.

Every 4xx answer has the shape::

    {"error": {"code": "validation_error", "message": "…", "fields": {"title": ["…"]}}}
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, pagination, permissions, serializers, status, throttling
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core import exceptions as service_errors


class CursorPagination(pagination.CursorPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = "-id"


class WorkQueuePagination(pagination.LimitOffsetPagination):
    """Staff work lists (escalation queue, listening inbox): offset pages, 50 by default."""

    default_limit = 50
    max_limit = 200


def allowed_by(check: Callable[[Any], bool], message: str) -> list[type[BasePermission]]:
    """``permission_classes`` for an endpoint guarded by one of the apps' ``can_<verb>(user)``
    functions: signed in (401 otherwise), then ``check`` (403 with ``message``). The rule
    stays in the app's permissions module, which the pages use too."""

    class Allowed(BasePermission):
        def has_permission(self, request: Any, view: Any) -> bool:
            return bool(check(request.user))

    Allowed.message = message
    Allowed.__name__ = Allowed.__qualname__ = f"Allowed_{check.__name__}"
    return [permissions.IsAuthenticated, Allowed]


def _fields_from(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {
            str(key): [str(item) for item in (value if isinstance(value, list) else [value])]
            for key, value in detail.items()
        }
    if isinstance(detail, list):
        return {"non_field_errors": [str(item) for item in detail]}
    return {}


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return {"error": body}


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, service_errors.PermissionDenied):
        return Response(error_body(exc.code, exc.message), status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, service_errors.NotFound):
        return Response(error_body(exc.code, exc.message), status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, service_errors.Conflict):
        return Response(error_body(exc.code, exc.message), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        fields = (
            {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
            if hasattr(exc, "error_dict")
            else {"non_field_errors": [str(m) for m in exc.messages]}
        )
        code = getattr(exc, "code", None) or "validation_error"
        message = "; ".join(str(m) for m in exc.messages) or _("Invalid input.")
        return Response(error_body(code, message, fields), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _fields_from(exc.detail)
        response.data = error_body("validation_error", _("Invalid input."), fields)
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        code = getattr(detail, "code", None) or exc.default_code
        response.data = error_body(str(code), str(detail))
    return response


# --- The error shape in the OpenAPI schema ----------------------------------------------------


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable machine-readable code, e.g. validation_error.")
    message = serializers.CharField(help_text="Human-readable, in the request's language.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Per-field messages (validation errors only).",
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


_ERROR_DESCRIPTIONS = {
    400: "Malformed JSON (parse_error) or invalid input (validation_error, with fields).",
    401: "No or invalid credentials.",
    403: "Signed in, but not allowed to do this (or CSRF check failed).",
    404: "Does not exist, or is not visible to you.",
    409: "The object is not in a state that allows this.",
    429: "Too many requests; retry later.",
}


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """Schema entries for the error answers an endpoint can give, all in the one shape."""
    return {
        code: OpenApiResponse(response=ErrorSerializer, description=_ERROR_DESCRIPTIONS[code])
        for code in codes
    }


class ScopedWriteRateThrottle(throttling.ScopedRateThrottle):
    """``throttle_scope`` for writes only: on a URL that both lists and creates, reading
    must not spend the budget for posting."""

    def allow_request(self, request: Any, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return super().allow_request(request, view)


# For views that read and write on one URL; the anon/user rates still cover every request.
WRITE_THROTTLE_CLASSES = [
    throttling.AnonRateThrottle,
    throttling.UserRateThrottle,
    ScopedWriteRateThrottle,
]
