from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView

from config.api_docs import SwaggerDocsView
from core import views as core_views

api_v1 = [
    path("", include("accounts.api_urls")),
    path("", include("forum.api_urls")),
    path("", include("forum.search_urls")),
    path("", include("escalations.api_urls")),
    path("", include("notifications.api_urls")),
    path("", include("rewards.api_urls")),
    path("", include("experts.api_urls")),
    path("", include("forum.moderation_api")),
    path("", include("metrics.api_urls")),
    path("", include("listening.api_urls")),
]

urlpatterns = [
    # Changing the interface language is harmless if forged, so the switcher needs no CSRF
    # token; that keeps anonymous pages free of per-visitor data (core/page_cache.py).
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("healthz", core_views.healthz, name="healthz"),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI under the strict CSP: see config/api_docs.py. No ReDoc page: its bundle
    # loads its attribution logo from cdn.redoc.ly, which the CSP blocks (and should).
    path("api/docs/", SwaggerDocsView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("notifications/", include("notifications.urls")),
    path("rewards/", include("rewards.urls")),
    path("staff/listening/", include("listening.urls")),
    path("staff/dashboard/", include("metrics.urls")),
    path("staff/", include("escalations.urls")),
    path("experts/", include("experts.urls")),
    path("moderation/", include("forum.moderation_urls")),
    path("", include("forum.search_page_urls")),
    path("", include("forum.urls")),
]

handler404 = "core.views.not_found"
handler403 = "core.views.permission_denied"

admin.site.site_header = settings.SITE_NAME
admin.site.site_title = settings.SITE_NAME
