"""Account pages of our own (sign-in, sign-up, e-mail and MFA are allauth's)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from accounts.forms import PreferencesForm
from accounts.services import user_update_preferences


@require_http_methods(["GET", "POST"])
@login_required
@ratelimit(key="user_or_ip", rate=settings.FORUM_RATE_POSTS, method="POST", block=True)
def preferences(request: HttpRequest) -> HttpResponse:
    user = request.user
    status = 200
    if request.method == "POST":
        form = PreferencesForm(request.POST, instance=user)  # type: ignore[arg-type]
        if form.is_valid():
            try:
                user_update_preferences(
                    user=user,  # type: ignore[arg-type]
                    display_name=form.cleaned_data["display_name"],
                    locale=form.cleaned_data["locale"],
                    time_zone=form.cleaned_data["time_zone"],
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                locale = form.cleaned_data["locale"]
                # The confirmation is rendered on the next page, in the language just chosen.
                if locale:
                    translation.activate(locale)
                messages.success(request, _("Your preferences are saved."))
                response = redirect("accounts:preferences")
                # The cookie outranks the saved preference (see UserPreferencesMiddleware), so
                # it must follow the choice; "browser default" drops it.
                if locale:
                    response.set_cookie(
                        settings.LANGUAGE_COOKIE_NAME,
                        locale,
                        max_age=settings.LANGUAGE_COOKIE_AGE,
                        path=settings.LANGUAGE_COOKIE_PATH,
                        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
                        secure=settings.LANGUAGE_COOKIE_SECURE,
                        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                    )
                else:
                    response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
                return response
        status = 400
        # A failed form must not leave half-applied values on request.user for the header.
        user.refresh_from_db(fields=["display_name", "locale", "time_zone"])
    else:
        form = PreferencesForm(instance=user)  # type: ignore[arg-type]
    return render(request, "accounts/preferences.html", {"form": form}, status=status)
