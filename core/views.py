from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get(
        "Accept", ""
    )


def rate_limited(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = _("You are doing that too often. Please wait a little and try again.")
    if _wants_json(request):
        return JsonResponse({"error": {"code": "throttled", "message": message}}, status=429)
    return render(
        request, "errors/error.html", {"title": _("Slow down"), "message": message}, status=429
    )


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = _("This page does not exist, or you may not see it.")
    if _wants_json(request):
        return JsonResponse({"error": {"code": "not_found", "message": message}}, status=404)
    return render(
        request, "errors/error.html", {"title": _("Not found"), "message": message}, status=404
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception) if exception and str(exception) else _("You may not do this.")
    if _wants_json(request):
        return JsonResponse(
            {"error": {"code": "permission_denied", "message": message}}, status=403
        )
    return render(
        request, "errors/error.html", {"title": _("Not allowed"), "message": message}, status=403
    )
