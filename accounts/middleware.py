from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation


class UserPreferencesMiddleware:
    """Activate the signed-in user's time zone and, if they chose one, their language.

    Runs after authentication; LocaleMiddleware has already picked a language from the
    cookie or the browser, which a saved preference overrides.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.languages = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if user.time_zone:
                try:
                    timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
                except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                    timezone.deactivate()
            if (
                user.locale in self.languages
                and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
            ):
                translation.activate(user.locale)
                request.LANGUAGE_CODE = user.locale
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
