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
from django.utils.translation import gettext_lazy as _lazy
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


# --- Privacy: export, erasure, legal pages -------------------------------------------------


def _privacy_imports():  # type: ignore[no-untyped-def]
    # Imported here so the module's existing imports stay as they were.
    from accounts import privacy
    from core import exceptions

    return privacy, exceptions


@require_http_methods(["GET", "POST"])
@login_required
@ratelimit(key="user_or_ip", rate="10/h", method="POST", block=True)
def privacy_page(request: HttpRequest) -> HttpResponse:
    """Your data: request an export, download it, or erase your account."""
    from django.urls import reverse

    from accounts.models import DataExport

    privacy, exceptions = _privacy_imports()
    if request.method == "POST":
        try:
            privacy.data_export_request(user=request.user)  # type: ignore[arg-type]
        except exceptions.Conflict as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("Your archive is being prepared. Reload this page in a minute.")
            )
        return redirect("accounts:privacy")
    exports = list(DataExport.objects.filter(user=request.user).order_by("-created_at")[:5])
    for export in exports:
        token = privacy.data_export_token(export)
        export.download_url = (
            reverse("accounts:privacy_download", kwargs={"token": token})
            if export.state == "ready"
            else ""
        )
    return render(request, "accounts/privacy.html", {"exports": exports})


@require_http_methods(["GET"])
@login_required
def privacy_download(request: HttpRequest, token: str) -> HttpResponse:
    """The archive behind a signed, expiring link; only for the account it belongs to."""
    import json

    from django.http import Http404

    privacy, exceptions = _privacy_imports()
    try:
        export = privacy.data_export_for_token(token=token, user=request.user)  # type: ignore[arg-type]
    except exceptions.NotFound as exc:
        raise Http404(exc.message) from exc
    response = HttpResponse(
        json.dumps(export.archive, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="my-data-{export.pk}.json"'
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@login_required
@ratelimit(key="user_or_ip", rate="10/h", method="POST", block=True)
def erase_account(request: HttpRequest) -> HttpResponse:
    """Erase your own account; you type your username to confirm."""
    from django.contrib.auth import logout

    privacy, exceptions = _privacy_imports()
    user = request.user
    status, error = 200, ""
    if request.method == "POST":
        if request.POST.get("confirm", "").strip() != user.username:  # type: ignore[union-attr]
            status, error = 400, _("Type your username exactly to confirm.")
        else:
            try:
                privacy.user_erase(user=user, actor=user)  # type: ignore[arg-type]
            except (exceptions.Conflict, exceptions.PermissionDenied) as exc:
                status, error = 409, exc.message
            else:
                logout(request)
                messages.success(request, _("Your account is erased. Goodbye!"))
                return redirect("forum:home")
    return render(request, "accounts/erase.html", {"error": error}, status=status)


@require_http_methods(["POST"])
@login_required
def erase_user(request: HttpRequest, pk: int) -> HttpResponse:
    """An administrator erases someone's account (e.g. on a written request)."""
    from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
    from django.shortcuts import get_object_or_404

    from accounts.models import User
    from accounts.permission_table import allows

    privacy, exceptions = _privacy_imports()
    if not allows(request.user, "privacy.erase_any"):
        raise DjangoPermissionDenied(_("Only administrators can erase other accounts."))
    person = get_object_or_404(User, pk=pk)
    try:
        privacy.user_erase(user=person, actor=request.user)  # type: ignore[arg-type]
    except exceptions.Conflict as exc:
        return HttpResponse(exc.message, status=409, content_type="text/plain; charset=utf-8")
    except exceptions.PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.message) from exc
    messages.success(request, _("The account is erased."))
    return redirect("admin:accounts_user_change", person.pk)


DEFAULT_LEGAL_PAGES = {"privacy": _lazy("Privacy policy"), "imprint": _lazy("Imprint")}


@require_http_methods(["GET"])
def legal_page(request: HttpRequest, slug: str) -> HttpResponse:
    """Privacy policy, imprint …, edited by staff in the admin."""
    from django.shortcuts import get_object_or_404

    from accounts.models import LegalPage
    from core.markup import render_markdown

    page = LegalPage.objects.filter(slug=slug).first()
    if page is None and slug in DEFAULT_LEGAL_PAGES:
        # Not written yet (or the rows were flushed): show the placeholder, do not 404 the
        # link every footer carries.
        page = LegalPage(slug=slug, title=str(DEFAULT_LEGAL_PAGES[slug]), body_md="")
    if page is None:
        return get_object_or_404(LegalPage, slug=slug)
    return render(
        request, "accounts/legal.html", {"page": page, "body_html": render_markdown(page.body_md)}
    )
