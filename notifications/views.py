"""HTML views: parse, check, one service or selector, render or redirect."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.exceptions import NotFound, ValidationError
from forum.models import Category
from forum.permissions import can_view_thread
from forum.selectors import thread_get
from notifications import inbound, selectors, services
from notifications.forms import PreferencesForm
from notifications.kinds import Kind

logger = logging.getLogger(__name__)

PER_PAGE = 30


def _back(request: HttpRequest, default: str) -> HttpResponseRedirect:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(default)


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    paginator = Paginator(selectors.notification_list(user=request.user), PER_PAGE)
    page_obj = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/list.html",
        {"page_obj": page_obj, "notifications": page_obj.object_list},
    )


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        notification = services.notification_mark_read(user=request.user, notification_id=pk)
    except NotFound:
        raise Http404 from None
    # Only our own pages: a url given by some caller must not make this an open redirect.
    if request.POST.get("open") and url_has_allowed_host_and_scheme(
        notification.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(notification.url)
    return _back(request, reverse("notifications:list"))


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(user=request.user)
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return _back(request, reverse("notifications:list"))


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    rows = selectors.preferences_for(user=request.user)
    auto_watch = selectors.auto_watch_enabled(user=request.user)
    if request.method == "POST":
        form = PreferencesForm(request.POST, preferences=rows)
        if form.is_valid():
            for kind, (email, in_app) in form.choices().items():
                services.preference_set(user=request.user, kind=kind, email=email, in_app=in_app)
            services.notification_settings_set(
                user=request.user, auto_watch=form.cleaned_data["auto_watch"]
            )
            messages.success(request, _("Your notification settings are saved."))
            return redirect("notifications:preferences")
    else:
        form = PreferencesForm(preferences=rows, initial={"auto_watch": auto_watch})
    return render(request, "notifications/preferences.html", {"form": form})


@login_required
@require_POST
def thread_watch(request: HttpRequest, pk: int) -> HttpResponse:
    thread = thread_get(pk=pk, viewer=request.user)
    if thread is None or not can_view_thread(request.user, thread):
        raise Http404
    if request.POST.get("action") == "unwatch":
        services.thread_unwatch(user=request.user, thread_id=thread.pk)
        messages.success(request, _("You no longer watch this question."))
    else:
        services.thread_watch(user=request.user, thread_id=thread.pk)
        messages.success(request, _("You will be notified of new answers to this question."))
    return _back(request, thread.get_absolute_url())


@login_required
@require_POST
def category_watch(request: HttpRequest, slug: str) -> HttpResponse:
    category = get_object_or_404(Category, slug=slug, is_active=True)
    if request.POST.get("action") == "unwatch":
        services.category_unwatch(user=request.user, category_id=category.pk)
        messages.success(request, _("You no longer watch this category."))
    else:
        services.category_watch(user=request.user, category_id=category.pk)
        messages.success(request, _("You will be notified of new questions in this category."))
    return _back(request, reverse("forum:category", kwargs={"slug": category.slug}))


# One-click unsubscribe (RFC 8058): mail clients POST without a session or CSRF token, so
# this view alone is csrf_exempt. The signed token is the authorisation; the worst a forged
# POST can do is switch off someone's e-mail, which the token already proves they own.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user, kind = services.unsubscribe_token_read(token)
    except ValidationError:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=400)
    kind_label = None if kind == services.ALL_KINDS else Kind(kind).label
    if request.method == "POST":
        services.email_unsubscribe(token=token)
        return render(
            request,
            "notifications/unsubscribe.html",
            {"done": True, "kind_label": kind_label, "email": user.email},
        )
    return render(
        request,
        "notifications/unsubscribe.html",
        {"token": token, "kind_label": kind_label, "email": user.email},
    )


@csrf_exempt
@require_POST
def inbound_mail(request: HttpRequest) -> HttpResponse:
    """Webhook of the inbound mail provider: a raw RFC 822 message, HMAC-signed."""
    if not inbound.signature_valid(request):
        return HttpResponseForbidden("bad signature")
    raw = inbound.raw_message_from(request)
    if raw is None:
        return HttpResponseBadRequest("no message")
    try:
        post = inbound.reply_handle(raw=raw)
    except inbound.InboundRejected as exc:
        logger.info("inbound mail rejected: %s", exc.reason)
        return JsonResponse({"status": "rejected", "reason": exc.reason}, status=exc.status)
    return JsonResponse({"status": "created", "answer_id": post.pk}, status=201)
