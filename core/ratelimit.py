"""Per-IP limits on writes, on top of the per-user ones.

The forum views (django-ratelimit, key "user_or_ip") and the API (DRF throttles) count per
signed-in user. Someone with many accounts behind one address would get each account's
budget; this middleware adds one budget per client IP for the same kinds of write, pages
and API alike. The IP budgets are larger than a user's (settings.RATE_LIMITS_PER_IP)
because offices and mobile carriers put many people behind one address.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django_ratelimit.core import is_ratelimited

# url name -> budget group
WRITE_GROUPS: dict[str, str] = {
    "forum:ask": "posts", "forum:answer_create": "posts", "forum:thread_edit": "posts",
    "forum:post_edit": "posts", "api:threads": "posts", "api:thread": "posts",
    "api:thread_answers": "posts", "api:answer": "posts",
    "forum:vote": "votes", "api:answer_vote": "votes",
    "forum:accept": "accepts", "forum:unaccept": "accepts",
    "api:thread_accept": "accepts", "api:thread_unaccept": "accepts",
    "moderation:flag_thread": "flags", "moderation:flag_post": "flags",
    "api:thread_flag": "flags", "api:answer_flag": "flags",
}  # fmt: skip
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class IpWriteRateLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if request.method not in WRITE_METHODS or not getattr(settings, "RATELIMIT_ENABLE", True):
            return None
        match = request.resolver_match
        group = WRITE_GROUPS.get(match.view_name) if match else None
        rate = settings.RATE_LIMITS_PER_IP.get(group or "")
        if not rate:
            return None
        if is_ratelimited(
            request, group=f"ip-{group}", key="ip", rate=rate, method=list(WRITE_METHODS),
            increment=True,
        ):  # fmt: skip
            from core.views import rate_limited

            return rate_limited(request)
        return None
