from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from core.api import error_body


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get(
        "Accept", ""
    )


def _error(
    request: HttpRequest, *, status: int, code: str, title: str, message: str
) -> HttpResponse:
    """The same error as JSON (in the API's one error shape) or as a page."""
    if _wants_json(request):
        return JsonResponse(error_body(code, message), status=status)
    return render(request, "errors/error.html", {"title": title, "message": message}, status=status)


def rate_limited(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(
        request,
        status=429,
        code="throttled",
        title=_("Slow down"),
        message=_("You are doing that too often. Please wait a little and try again."),
    )


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(
        request,
        status=404,
        code="not_found",
        title=_("Not found"),
        message=_("This page does not exist, or you may not see it."),
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception) if exception and str(exception) else _("You may not do this.")
    return _error(
        request, status=403, code="permission_denied", title=_("Not allowed"), message=message
    )
