"""Whole-page caching for anonymous visitors.

Most page views of a support community are anonymous visitors arriving from a search
engine. Their pages carry nothing personal (no CSRF token, no messages, no votes), so the
rendered HTML can be shared between them for a few seconds. Signed-in people always get a
fresh page.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language


def anonymous_cacheable(request: HttpRequest) -> bool:
    """True for a GET by someone without a session or pending flash messages."""
    if request.method != "GET" or request.user.is_authenticated:
        return False
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies


def anonymous_page(
    request: HttpRequest, *, key: str, timeout: int, render: Callable[[], HttpResponse]
) -> HttpResponse:
    """Serve ``render()``'s page from the cache for anonymous visitors.

    ``key`` must include everything the page depends on besides the language (e.g. the
    thread's last activity). A page is only stored if rendering it used no CSRF token and
    set no cookie: that is what makes it safe to hand to another visitor.
    """
    if not anonymous_cacheable(request):
        return render()
    digest = hashlib.sha256(f"{key}|{request.get_full_path()}".encode()).hexdigest()[:32]
    cache_key = f"anon-page:{get_language()}:{digest}"
    cached = cache.get(cache_key)
    if cached is not None:
        content, content_type = cached
        response = HttpResponse(content, content_type=content_type)
        response.from_page_cache = True  # type: ignore[attr-defined]
        return response
    response = render()
    if (
        response.status_code == 200
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not getattr(response, "streaming", False)
    ):
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        cache.set(cache_key, (response.content, response["Content-Type"]), timeout)
    return response
